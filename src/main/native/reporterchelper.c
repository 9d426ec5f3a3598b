/*
 * libreporterchelper.so, the JNI helper the builder itself loads from <java.home>/lib/svm/builder/lib for its
 * progress output (com.oracle.svm.hosted.ProgressReporterCHelper). A GraalVM installation ships it; the Maven
 * artifacts do not. Used at build time only.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jni.h>

/* getTerminalWindowColumns0(): the width of the terminal on stdout, or 0 when stdout is not a terminal. */
JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env,
                                                                                                    jclass c) {
    (void) env;
    (void) c;
    struct winsize w;
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 ? w.ws_col : 0;
}

/* getPeakRSS0(): the builder's peak resident set size in bytes (ru_maxrss is in KiB on Linux), or -1. */
JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass c) {
    (void) env;
    (void) c;
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? (jlong) usage.ru_maxrss * 1024 : -1;
}
