/*
 * The JNI_OnLoad_<library> functions the image calls when Java code loads one of the JDK libraries it treats as
 * built in (java, net, nio, zip, extnet). With static JDK libraries these are the libraries' own entry points;
 * here the libraries are the JDK's shared ones shipped beside the executable, whose entry point is a plain
 * JNI_OnLoad (or none), so each function below runs that library's JNI_OnLoad, found in that very library, and
 * reports the JNI version the image requires of a built-in library (1.8).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include <jni.h>

/* Runs JNI_OnLoad of the already loaded lib<name>.so, if it has one; JNI_ERR if it failed. */
static jint forward(const char *soname, JavaVM *vm, void *reserved) {
    void *library = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (library == NULL) {
        fprintf(stderr, "taskcluster-proxy: native executable: %s is not loaded\n", soname);
        return JNI_ERR;
    }
    jint (*on_load)(JavaVM *, void *) = (jint (*)(JavaVM *, void *)) dlsym(library, "JNI_OnLoad");
    jint version = on_load == NULL ? JNI_VERSION_1_8 : on_load(vm, reserved);
    dlclose(library);
    return version < 0 ? version : JNI_VERSION_1_8;
}

/* JNI_OnLoad_java: libjava (its JNI_OnLoad only checks the JNI version). */
JNIEXPORT jint JNICALL JNI_OnLoad_java(JavaVM *vm, void *reserved) {
    return forward("libjava.so", vm, reserved);
}

/* JNI_OnLoad_net: libnet (its JNI_OnLoad finds out whether IPv4 and IPv6 are available). */
JNIEXPORT jint JNICALL JNI_OnLoad_net(JavaVM *vm, void *reserved) {
    return forward("libnet.so", vm, reserved);
}

/* JNI_OnLoad_nio: libnio. */
JNIEXPORT jint JNICALL JNI_OnLoad_nio(JavaVM *vm, void *reserved) {
    return forward("libnio.so", vm, reserved);
}

/* JNI_OnLoad_zip: libzip (which has no JNI_OnLoad). */
JNIEXPORT jint JNICALL JNI_OnLoad_zip(JavaVM *vm, void *reserved) {
    return forward("libzip.so", vm, reserved);
}

/* JNI_OnLoad_extnet: libextnet, for jdk.net socket options (which has no JNI_OnLoad). */
JNIEXPORT jint JNICALL JNI_OnLoad_extnet(JavaVM *vm, void *reserved) {
    return forward("libextnet.so", vm, reserved);
}
