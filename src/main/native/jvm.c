/*
 * libjvm.so for the native executable: the JVM_* and jio_* functions that the JDK's own libraries (libjava.so,
 * libnio.so, libnet.so, libzip.so, libextnet.so, shipped beside the executable) import from HotSpot, plus the few
 * that the image itself calls through the @CLibrary("jvm") declarations in the svm jar (com.oracle.svm.core.jdk.Jvm).
 *
 * A GraalVM installation ships a libjvm.a of its own for this. Here, the functions below are the ones a proxy can
 * reach; scripts/native.sh generates a stub for every other name the JDK libraries import (jvm-stubs.c), which
 * prints the function's name and aborts: the native end-to-end tests would fail on any stub that is reached.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jni.h>

/* initialize(): called once by the image at start-up (Jvm.initialize) so that a libjvm can set itself up; this
 * one keeps no state. */
JNIEXPORT void initialize(void) {}

/* JVM_ActiveProcessorCount(): the CPUs this process may run on (its affinity mask), as HotSpot reports them to
 * Runtime.availableProcessors when container support is off. */
JNIEXPORT jint JVM_ActiveProcessorCount(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) {
            return n;
        }
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (jint) n : 1;
}

/* JVM_CurrentTimeMillis(env, ignored): wall-clock milliseconds since the epoch. */
JNIEXPORT jlong JVM_CurrentTimeMillis(JNIEnv *env, jclass ignored) {
    (void) env;
    (void) ignored;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (jlong) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* JVM_NanoTime(env, ignored): a monotonic clock in nanoseconds. */
JNIEXPORT jlong JVM_NanoTime(JNIEnv *env, jclass ignored) {
    (void) env;
    (void) ignored;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (jlong) ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* JVM_GetNanoTimeAdjustment(env, ignored, offsetSeconds): wall-clock nanoseconds since offsetSeconds after the
 * epoch, or -1 when that does not fit in a jlong (HotSpot's contract, relied on by Instant.now via VM). */
JNIEXPORT jlong JVM_GetNanoTimeAdjustment(JNIEnv *env, jclass ignored, jlong offset_secs) {
    (void) env;
    (void) ignored;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    jlong diff = (jlong) ts.tv_sec - offset_secs;
    if (diff >= 0x100000000LL || diff <= -0x100000000LL) {
        return -1;
    }
    return diff * 1000000000L + ts.tv_nsec;
}

/* JVM_RegisterSignal(sig, handler): install handler (or SIG_DFL = 0, SIG_IGN = 1) for sig and return the previous
 * one, or (void *) -1 when sig cannot be handled. */
JNIEXPORT void *JVM_RegisterSignal(jint sig, void *handler) {
    struct sigaction action, old;
    memset(&action, 0, sizeof(action));
    action.sa_handler = (void (*)(int)) handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(sig, &action, &old) != 0) {
        return (void *) -1;
    }
    return (void *) old.sa_handler;
}

/* JVM_RaiseSignal(sig): send sig to this process. */
JNIEXPORT jboolean JVM_RaiseSignal(jint sig) {
    return raise(sig) == 0 ? JNI_TRUE : JNI_FALSE;
}

/* JVM_FindSignal(name): the number of the signal called name ("TERM", "INT", ...), or -1. */
JNIEXPORT jint JVM_FindSignal(const char *name) {
    static const struct {
        const char *name;
        int number;
    } signals[] = {
        {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
        {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
        {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
        {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
        {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},   {"PWR", SIGPWR},   {"SYS", SIGSYS},
    };
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        if (strcmp(name, signals[i].name) == 0) {
            return signals[i].number;
        }
    }
    return -1;
}

/* JVM_BeforeHalt(): HotSpot's last chance before Runtime.halt; nothing to do here. */
JNIEXPORT void JVM_BeforeHalt(void) {}

/* JVM_Halt(code): end the process with code (the shutdown hooks have run by then). */
JNIEXPORT void JVM_Halt(jint code) {
    fflush(NULL);
    _exit(code);
}

/* JVM_IsSupportedJNIVersion(version): whether a library's JNI_OnLoad may ask for version. */
JNIEXPORT jboolean JVM_IsSupportedJNIVersion(jint version) {
    switch (version) {
    case JNI_VERSION_1_1: case JNI_VERSION_1_2: case JNI_VERSION_1_4: case JNI_VERSION_1_6: case JNI_VERSION_1_8:
    case JNI_VERSION_9: case JNI_VERSION_10: case JNI_VERSION_19: case JNI_VERSION_20: case JNI_VERSION_21:
    case JNI_VERSION_24:
        return JNI_TRUE;
    default:
        return JNI_FALSE;
    }
}

/* JVM_LoadLibrary(name, throwException): dlopen, for the JDK libraries that load others by name. */
JNIEXPORT void *JVM_LoadLibrary(const char *name, jboolean throw_exception) {
    (void) throw_exception;
    return dlopen(name, RTLD_LAZY);
}

/* JVM_UnloadLibrary(handle): dlclose. */
JNIEXPORT void JVM_UnloadLibrary(void *handle) {
    dlclose(handle);
}

/* JVM_FindLibraryEntry(handle, name): dlsym. */
JNIEXPORT void *JVM_FindLibraryEntry(void *handle, const char *name) {
    return dlsym(handle, name);
}

/* JVM_IsUseContainerSupport(), JVM_IsContainerized(): the image is built without container support. */
JNIEXPORT jboolean JVM_IsUseContainerSupport(void) {
    return JNI_FALSE;
}

JNIEXPORT jboolean JVM_IsContainerized(void) {
    return JNI_FALSE;
}

/* jio_vsnprintf(buf, size, format, args): vsnprintf, but -1 when the output was cut short (HotSpot's contract). */
JNIEXPORT int jio_vsnprintf(char *buf, size_t size, const char *format, va_list args) {
    int n = vsnprintf(buf, size, format, args);
    return (n >= 0 && (size_t) n >= size) ? -1 : n;
}

/* jio_snprintf(buf, size, format, ...): as jio_vsnprintf. */
JNIEXPORT int jio_snprintf(char *buf, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = jio_vsnprintf(buf, size, format, args);
    va_end(args);
    return n;
}

/* jio_vfprintf(file, format, args): vfprintf. */
JNIEXPORT int jio_vfprintf(FILE *file, const char *format, va_list args) {
    return vfprintf(file, format, args);
}

/* jio_fprintf(file, format, ...): fprintf. */
JNIEXPORT int jio_fprintf(FILE *file, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vfprintf(file, format, args);
    va_end(args);
    return n;
}

/* Called by every generated stub (jvm-stubs.c): a HotSpot function that the native executable does not provide
 * was reached. Say which, and abort, so that a test run on the native executable fails loudly. */
JNIEXPORT void tcp_unimplemented_jvm_function(const char *name) {
    fprintf(stderr, "taskcluster-proxy: native executable: %s is not implemented (libjvm.so stub)\n", name);
    abort();
}
