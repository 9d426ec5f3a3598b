/*
 * The C helpers a native image of the proxy links against, for a build with the builder from Maven Central jars.
 *
 * A GraalVM installation ships these in lib/svm/clibraries (liblibchelper.a); the Maven artifacts do not, so the
 * project supplies its own. Each function is declared by a @CFunction in the svm jar (names and signatures read
 * with javap); the comment on each says what the image expects of it. They are linked statically into the
 * executable as liblibchelper.a (the @CLibrary name is "libchelper").
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "include/amd64cpufeatures.h"
#include "include/svm_locale.h"

/* ---- CPU features (AMD64LibCHelper) ---- */

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t) hi << 32) | lo;
}

/* determineCPUFeatures(CPUFeatures*): fill in one byte per feature, 1 only when this CPU (and the kernel, for the
 * AVX register state) supports it. The image selects code paths at run time from these, so a 1 must be true;
 * features this shim does not probe are reported absent, which is always safe. */
void determineCPUFeatures(CPUFeatures *f) {
    memset(f, 0, sizeof(*f));
    unsigned a, b, c, d, max, maxext;
    if (!__get_cpuid(0, &max, &b, &c, &d)) {
        return;
    }
    __cpuid(1, a, b, c, d);
    f->fTSC = (d >> 4) & 1;
    f->fCX8 = (d >> 8) & 1;
    f->fCMOV = (d >> 15) & 1;
    f->fFLUSH = (d >> 19) & 1;
    f->fMMX = (d >> 23) & 1;
    f->fFXSR = (d >> 24) & 1;
    f->fSSE = (d >> 25) & 1;
    f->fSSE2 = (d >> 26) & 1;
    f->fHT = (d >> 28) & 1;
    f->fSSE3 = c & 1;
    f->fCLMUL = (c >> 1) & 1;
    f->fSSSE3 = (c >> 9) & 1;
    f->fSSE4_1 = (c >> 19) & 1;
    f->fSSE4_2 = (c >> 20) & 1;
    f->fPOPCNT = (c >> 23) & 1;
    f->fAES = (c >> 25) & 1;
    f->fHV = (c >> 31) & 1;
    int osxsave = (c >> 27) & 1;
    uint64_t xstate = osxsave ? xcr0() : 0;
    int avx_os = (xstate & 0x6) == 0x6;
    int avx512_os = (xstate & 0xe6) == 0xe6;
    if (avx_os && ((c >> 28) & 1)) {
        f->fAVX = 1;
        f->fVZEROUPPER = 1;
        f->fFMA = (c >> 12) & 1;
        f->fF16C = (c >> 29) & 1;
    }
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f->fBMI1 = (b >> 3) & 1;
        f->fBMI2 = (b >> 8) & 1;
        f->fERMS = (b >> 9) & 1;
        f->fADX = (b >> 19) & 1;
        f->fFLUSHOPT = (b >> 23) & 1;
        f->fCLWB = (b >> 24) & 1;
        f->fSHA = (b >> 29) & 1;
        f->fPKU = (c >> 3) & 1;
        f->fOSPKE = (c >> 4) & 1;
        f->fGFNI = (c >> 8) & 1;
        f->fRDPID = (c >> 22) & 1;
        f->fFSRM = (d >> 4) & 1;
        f->fSERIALIZE = (d >> 14) & 1;
        if (f->fAVX) {
            f->fAVX2 = (b >> 5) & 1;
        }
        if (avx512_os) {
            f->fAVX512F = (b >> 16) & 1;
            f->fAVX512DQ = (b >> 17) & 1;
            f->fAVX512_IFMA = (b >> 21) & 1;
            f->fAVX512PF = (b >> 26) & 1;
            f->fAVX512ER = (b >> 27) & 1;
            f->fAVX512CD = (b >> 28) & 1;
            f->fAVX512BW = (b >> 30) & 1;
            f->fAVX512VL = (b >> 31) & 1;
            f->fAVX512_VBMI = (c >> 1) & 1;
            f->fAVX512_VBMI2 = (c >> 6) & 1;
            f->fAVX512_VAES = (c >> 9) & 1;
            f->fAVX512_VPCLMULQDQ = (c >> 10) & 1;
            f->fAVX512_VNNI = (c >> 11) & 1;
            f->fAVX512_BITALG = (c >> 12) & 1;
            f->fAVX512_VPOPCNTDQ = (c >> 14) & 1;
        }
    }
    __cpuid(0x80000000, maxext, b, c, d);
    if (maxext >= 0x80000001) {
        __cpuid(0x80000001, a, b, c, d);
        f->fLZCNT = (c >> 5) & 1;
        f->fSSE4A = (c >> 6) & 1;
        f->fAMD_3DNOW_PREFETCH = (c >> 8) & 1;
        f->fRDTSCP = (d >> 27) & 1;
    }
    if (maxext >= 0x80000007) {
        __cpuid(0x80000007, a, b, c, d);
        f->fTSCINV_BIT = (d >> 8) & 1;
        f->fTSCINV = f->fTSCINV_BIT;
    }
}

/* checkCPUFeatures(mask): 0 when this CPU has every feature the image was compiled for, else non-zero. The mask
 * (CPUFeatureAccessFeatureBase) is sizeof(CPUFeatures) rounded up to 8 bytes, 0xFF everywhere except 0xFE at the
 * byte of each required feature; so each byte ORed with this CPU's byte must be 0xFF. */
int checkCPUFeatures(const uint8_t *mask) {
    uint8_t have[(sizeof(CPUFeatures) + 7) / 8 * 8];
    memset(have, 0, sizeof(have));
    determineCPUFeatures((CPUFeatures *) have);
    for (size_t i = 0; i < sizeof(have); i++) {
        if ((uint8_t) (have[i] | mask[i]) != 0xFF) {
            return 1;
        }
    }
    return 0;
}

/* checkCPUFeaturesOrExit(mask, message): as checkCPUFeatures, but on a missing feature print the image's message
 * and exit, before any Java code runs. */
int checkCPUFeaturesOrExit(const uint8_t *mask, const char *message) {
    if (checkCPUFeatures(mask) != 0) {
        fputs(message, stderr);
        fputc('\n', stderr);
        exit(1);
    }
    return 0;
}

/* ---- Locale (LocaleCHelper) ---- */

static svm_locale_props_t locale_props;

/* Splits a POSIX locale name, language[_COUNTRY][.codeset][@modifier], the way the JDK's java_props_md does: "C"
 * and "POSIX" are en_US; a modifier is the variant. Parts that are absent stay NULL. Returns -1 when out of memory. */
static int parse_locale(const char *name, char **language, char **country, char **variant) {
    if (name == NULL || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0 || strncmp(name, "C.", 2) == 0) {
        name = "en_US";
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        return -1;
    }
    char *at = strchr(copy, '@');
    if (at != NULL) {
        *at = '\0';
        *variant = strdup(at + 1);
    }
    char *dot = strchr(copy, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    char *underscore = strchr(copy, '_');
    if (underscore != NULL) {
        *underscore = '\0';
        *country = strdup(underscore + 1);
    }
    *language = copy;
    return 0;
}

/* svm_initialize_locale(): read the process's locale from the environment (LC_ALL, LC_*, LANG) into the structure
 * svm_get_locale returns; SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY if an allocation fails. Called once. */
int svm_initialize_locale(void) {
    setlocale(LC_ALL, "");
    int failed = parse_locale(setlocale(LC_MESSAGES, NULL), &locale_props.display_language,
                              &locale_props.display_country, &locale_props.display_variant)
                 | parse_locale(setlocale(LC_CTYPE, NULL), &locale_props.format_language,
                                &locale_props.format_country, &locale_props.format_variant);
    return failed ? SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY : SVM_LOCALE_INITIALIZATION_SUCCEEDED;
}

/* svm_get_locale(): the structure filled in by svm_initialize_locale. */
svm_locale_props_t *svm_get_locale(void) {
    return &locale_props;
}

/* ---- sun.misc.Signal / jdk.internal.misc.Signal (CSunMiscSignal) ---- */

/* A handler counts its signal and wakes the image's dispatcher thread, which waits on the semaphore and then
 * takes one pending signal at a time. */
static sem_t signal_semaphore;
static volatile int pending_signals[NSIG];

/* cSunMiscSignal_open(): set up the semaphore before the first Java signal handler is installed; 0 on success,
 * else -1 with errno (the image then fails). */
int cSunMiscSignal_open(void) {
    memset((void *) pending_signals, 0, sizeof(pending_signals));
    return sem_init(&signal_semaphore, 0, 0);
}

/* cSunMiscSignal_close(): tear the semaphore down at isolate exit; 0 on success. */
int cSunMiscSignal_close(void) {
    return sem_destroy(&signal_semaphore);
}

/* cSunMiscSignal_awaitSemaphore(): block the dispatcher until a signal arrives (or signalSemaphore is called to
 * stop it); 0 on success, retrying when interrupted. */
int cSunMiscSignal_awaitSemaphore(void) {
    int rc;
    do {
        rc = sem_wait(&signal_semaphore);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

/* cSunMiscSignal_signalSemaphore(): wake the dispatcher (the image uses it to stop the dispatcher thread); 0 on
 * success. */
int cSunMiscSignal_signalSemaphore(void) {
    return sem_post(&signal_semaphore);
}

/* cSunMiscSignal_signalRangeCheck(sig): whether sig is a signal number this table can count. */
int cSunMiscSignal_signalRangeCheck(int sig) {
    return sig > 0 && sig < NSIG;
}

/* cSunMiscSignal_checkPendingSignal(): take one pending signal (lowest number first) and return it, or -1 when
 * none is pending. */
int cSunMiscSignal_checkPendingSignal(void) {
    for (int sig = 1; sig < NSIG; sig++) {
        int n = pending_signals[sig];
        while (n > 0) {
            if (__atomic_compare_exchange_n(&pending_signals[sig], &n, n - 1, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST)) {
                return sig;
            }
        }
    }
    return -1;
}

/* The handler the image installs with sigaction for every signal Java code handles: async-signal-safe, it only
 * counts and posts. */
static void count_signal(int sig) {
    int saved = errno;
    if (sig > 0 && sig < NSIG) {
        __atomic_add_fetch(&pending_signals[sig], 1, __ATOMIC_SEQ_CST);
        sem_post(&signal_semaphore);
    }
    errno = saved;
}

/* cSunMiscSignal_signalHandlerFunctionPointer(): the handler above, as a void (*)(int). */
void (*cSunMiscSignal_signalHandlerFunctionPointer(void))(int) {
    return count_signal;
}

/* ---- LibCHelper ---- */

extern char **environ;

/* getEnviron(): the process environment, for System.getenv. */
char **getEnviron(void) {
    return environ;
}

/* SVM_FindJavaTZmd(javaHome, length): the default time-zone id, malloc'ed, as the JDK's findJavaTZ_md finds it:
 * TZ, else the zoneinfo name /etc/localtime links to, else /etc/timezone, else UTC. */
char *SVM_FindJavaTZmd(const char *java_home, int length) {
    (void) java_home;
    (void) length;
    const char *tz = getenv("TZ");
    if (tz != NULL && *tz != '\0') {
        return strdup(*tz == ':' ? tz + 1 : tz);
    }
    char link[PATH_MAX];
    ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        char *zone = strstr(link, "zoneinfo/");
        if (zone != NULL) {
            return strdup(zone + strlen("zoneinfo/"));
        }
    }
    FILE *f = fopen("/etc/timezone", "r");
    if (f != NULL) {
        char line[256];
        char *got = fgets(line, sizeof(line), f);
        fclose(f);
        if (got != NULL) {
            line[strcspn(line, " \t\r\n")] = '\0';
            if (line[0] != '\0') {
                return strdup(line);
            }
        }
    }
    return strdup("UTC");
}

/* ---- LinuxLibCHelper ---- */

/* getThreadId(): the kernel's id of the calling thread (gettid). */
int getThreadId(void) {
    return (int) syscall(SYS_gettid);
}

/* getThreadUserTimeSlow(tid): user CPU time of thread tid of this process in nanoseconds, from
 * /proc/self/task/<tid>/stat (field 14, in clock ticks); -1 if it cannot be read. */
long getThreadUserTimeSlow(int tid) {
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    unsigned long utime;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu", &utime) != 1) {
        return -1;
    }
    return (long) (utime * (1000000000L / sysconf(_SC_CLK_TCK)));
}

/* mremapP(old, oldSize, newSize, flags, newAddress): mremap(2) with its optional fifth argument always passed
 * (the image maps its heap with it). */
void *mremapP(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address) {
    return mremap(old_address, old_size, new_size, flags, new_address);
}

/* ---- Fcntl ---- */

/* openSII(path, flags, mode): open(2) with the variadic mode always passed. */
int openSII(const char *path, int flags, int mode) {
    return open(path, flags, mode);
}

/* openatISII(dirfd, path, flags, mode): openat(2) with the variadic mode always passed. */
int openatISII(int dirfd, const char *path, int flags, int mode) {
    return openat(dirfd, path, flags, mode);
}

/* ---- PosixVMThreads ---- */

/* fprintfSD(file, format, s, d): fprintf with one string and one int argument (the image's fatal-error output). */
int fprintfSD(FILE *file, const char *format, const char *s, int d) {
    return fprintf(file, format, s, d);
}
