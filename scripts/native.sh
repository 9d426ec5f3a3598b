#!/usr/bin/env bash
# Builds the native executable of the proxy, after ./build.sh (it compiles the jars this one starts from):
#   target/native/taskcluster-proxy/{bin/taskcluster-proxy, lib/taskcluster-proxy, lib/*.so, LICENSE}
#   target/taskcluster-proxy-<version>-linux-x64-native.tar.gz (the same, in a folder taskcluster-proxy-<version>)
# It takes about 7 minutes on 2 cores and 3 GB of memory (TCP_NATIVE_QUICK=1: the builder's quick mode, -Ob;
# TCP_NATIVE_OPTIMIZE=s|2|3: another optimization level than the default -O2).
# TCP_NATIVE_OPTIONS: more builder options, as words (for example -H:-DeleteLocalSymbols, for perf profiles).
# TCP_NATIVE_AUDIT=1 builds an executable that reports on stderr every reflective or resource access that the
# reachability metadata does not cover (instead of failing it silently), for finding what the metadata lacks.
#
# With GRAALVM_HOME set (a GraalVM or Liberica NIK for JDK 25), its bin/native-image builds it: the standard route.
# Without, the builder is assembled from Maven Central jars (src/main/native/builder-pom.xml) and runs on the
# Temurin 25 JDK, and the C pieces a GraalVM installation would ship are the project's own (src/main/native/*.c,
# built with gcc): see /src/main/native and the README's "Native executable" section for what that relies on.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

shopt -s nullglob
dists=(target/taskcluster-proxy-*-linux-x64.tar.gz)
if [ ! -f target/taskcluster-proxy.jar ] || [ ${#dists[@]} -ne 1 ]; then
    echo "native.sh: run ./build.sh first" >&2
    exit 1
fi
version=${dists[0]#target/taskcluster-proxy-}
version=${version%-linux-x64.tar.gz}

out=target/native
work=$out/work
dist=$out/taskcluster-proxy
rm -rf "$work" "$dist"
mkdir -p "$work" "$dist/bin" "$dist/lib"

# The JDK libraries the image calls into (JNI), shipped beside it: the ones a GraalVM installation links in
# statically. management_ext: the analysis reaches com.sun.management's OperatingSystemImpl through Jetty.
jdk_libs=(java nio net zip extnet management_ext)

# The image: options for both routes. Reachability metadata comes from the jar (META-INF/native-image).
image_options=(
    -H:Name=taskcluster-proxy
    -H:Class=net.taskcluster.proxy.Main
    -H:MicroArchitecture=x86-64-v2 # any x86-64 of the last ten years (SSE4.2, POPCNT), not the build host's
    # and AES-NI with carry-less multiply, which every x86-64 since 2016 has too (Celerons and Pentiums as well,
    # unlike AVX): the builder compiles its AES and GHASH intrinsics only for features it may assume, and without
    # them TLS ran in plain Java, 20 MiB/s through the proxy against the JVM's 100-200. A CPU without them stops
    # the executable at start, exit 1, naming the features it requires.
    -H:CPUFeatures=AES,CLMUL
    -H:FallbackThreshold=0
    -H:+ReportExceptionStackTraces
    -H:-UseContainerSupport        # the proxy sizes nothing from cgroup limits; its heap is fixed below
    -H:EnableURLProtocols=http,https
    -H:+ForeignAPISupport          # the peer check's netlink lookup (java.lang.foreign)
    -H:EnableNativeAccess=ALL-UNNAMED
    -H:+InstallExitHandlers        # SIGTERM/SIGINT run the shutdown hooks, as on the JVM
    # SIGQUIT prints a thread dump (on stderr) and the proxy goes on, as on the JVM; without it, SIGQUIT's default
    # action ended the proxy with a core dump and cut every caller (ThreadDumpIT).
    -H:EnableMonitoringFeatures=threaddump
    -R:MaxHeapSize=32m             # the JVM distribution's -Xmx32m (src/main/dist/jvm.args); -Xmx... overrides
    # A young generation of up to 16 MiB (the builder's default is 12 MiB of 32): with 12, its first eden filled
    # with the 4.3 MB that start-up allocates, and a full collection cost 3-5 ms of every start. -Xmn... overrides.
    -R:MaxNewSize=16m
    # Not position-independent, as Go links the original: a PIE executable's image heap needs 64,000 relocations
    # at every start, which cost 3-4 ms and dirty 2.3 MiB of its pages. The image heap itself is still mapped at
    # an address of the kernel's choosing; the code is not.
    -H:NativeLinkerOption=-no-pie
)
# Initialized while the image is built (see the file for which classes may be listed), and the logging kept for run
# time, so that the builder refuses any of them that would put a logger into the image heap.
while read -r name; do
    case $name in '' | '#'*) continue ;; esac
    image_options+=("-H:ClassInitialization=$name:build_time")
done < src/main/native/build-time-classes.txt
image_options+=(-H:ClassInitialization=org.slf4j:run_time -H:ClassInitialization=org.eclipse.jetty.logging:run_time)
# shellcheck disable=SC2206 # words on purpose
image_options+=(${TCP_NATIVE_OPTIONS:-})
if [ -n "${TCP_NATIVE_AUDIT:-}" ]; then
    image_options+=(-H:ThrowMissingRegistrationErrors= -R:MissingRegistrationReportingMode=Warn)
fi
classpath=$(printf '%s:' target/taskcluster-proxy.jar target/lib/*.jar)
classpath=${classpath%:}

if [ -n "${GRAALVM_HOME:-}" ]; then
    # The standard route: the driver knows its own JDK, C libraries and headers. The options above are the
    # builder's own (-H:), which the driver passes on once unlocked.
    "$GRAALVM_HOME/bin/native-image" -H:+UnlockExperimentalVMOptions "${image_options[@]}" \
        -H:-UnlockExperimentalVMOptions -cp "$classpath" -H:Path="$work" 2>&1 | tee "$out/build.log"
    [ "${PIPESTATUS[0]}" -eq 0 ]
    cp "$work/taskcluster-proxy" "$dist/lib/"
else
    builder=$out/builder
    jdk=$out/builder-jdk
    clib=$PWD/$work/clib       # absolute: the builder runs the linker in a directory of its own
    jdklib=$PWD/$work/jdklib   # the JDK's shared libraries and libjvm.so, as the executable will find them
    cflags=(-O2 -Wall -Wextra -fPIC -fvisibility=default -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux")

    # 1. The builder's jars, pinned in builder-pom.xml.
    if [ ! -f "$builder/svm-25.0.4.jar" ]; then
        rm -rf "$builder"
        mvn -B -q -f src/main/native/builder-pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$builder"
    fi
    builder_jars=("$builder"/*.jar)
    compiler_jar=("$builder"/compiler-*.jar)
    module_path=$(printf '%s:' "${builder_jars[@]}" | sed "s|${compiler_jar[0]}:||")
    module_path=${module_path%:}

    # 2. A JDK for the builder to run on: this one, with the builder's own JNI helper where it looks for it
    #    (<java.home>/lib/svm/builder/lib). Hard links when the file system allows, so it costs no space.
    if [ ! -x "$jdk/bin/java" ]; then
        rm -rf "$jdk"
        cp -al "$JAVA_HOME" "$jdk" 2>/dev/null || cp -a "$JAVA_HOME" "$jdk"
    fi
    mkdir -p "$jdk/lib/svm/builder/lib"
    rm -f "$jdk/lib/svm/builder/lib/libreporterchelper.so"
    gcc "${cflags[@]}" -shared -o "$jdk/lib/svm/builder/lib/libreporterchelper.so" src/main/native/reporterchelper.c

    # 3. The C libraries the image links against (-H:CLibraryPath): the headers the builder's queries include,
    #    liblibchelper.a (shims.c, jni_onload.c), libjvm.so (jvm.c and a stub for every other HotSpot function the
    #    JDK libraries import), and the JDK's shared libraries under the names the builder links. The builder
    #    insists on static JDK libraries (lib<name>.a); empty ones satisfy that check, and the linker takes the
    #    shared library of the same name beside it.
    mkdir -p "$clib"
    cp -r src/main/native/include "$clib/"
    gcc "${cflags[@]}" -c src/main/native/shims.c -o "$work/shims.o"
    gcc "${cflags[@]}" -c src/main/native/jni_onload.c -o "$work/jni_onload.o"
    ar rcs "$clib/liblibchelper.a" "$work/shims.o" "$work/jni_onload.o"

    gcc "${cflags[@]}" -c src/main/native/jvm.c -o "$work/jvm.o"
    imported=$(for l in "${jdk_libs[@]}"; do nm -D --undefined-only "$JAVA_HOME/lib/lib$l.so"; done \
        | awk '{print $2}' | sed 's/@.*//' | grep -E '^(JVM_|jio_)' | sort -u)
    implemented=$(nm --defined-only "$work/jvm.o" | awk '{print $3}' | sort -u)
    {
        echo "/* Generated by scripts/native.sh: HotSpot functions the JDK libraries import and jvm.c does not provide. */"
        echo "void tcp_unimplemented_jvm_function(const char *name);"
        comm -23 <(echo "$imported") <(echo "$implemented") | while read -r f; do
            echo "void $f(void) { tcp_unimplemented_jvm_function(\"$f\"); }"
        done
    } > "$work/jvm-stubs.c"
    gcc "${cflags[@]}" -c "$work/jvm-stubs.c" -o "$work/jvm-stubs.o"
    grep -o '^void [A-Za-z_0-9]*' "$work/jvm-stubs.c" | cut -c6- > "$out/jvm-stubs.txt"
    echo "native.sh: libjvm.so: $(wc -l < "$out/jvm-stubs.txt") HotSpot functions stubbed (aborting by name; listed in $out/jvm-stubs.txt)"
    # The JDK libraries ask for their HotSpot symbols at version SUNWprivate_1.1.
    printf 'SUNWprivate_1.1 { global: JVM_*; jio_*; initialize; tcp_*; local: *; };\n' > "$work/jvm.map"
    mkdir -p "$jdklib"
    gcc -shared -o "$jdklib/libjvm.so" -Wl,-soname,libjvm.so -Wl,--version-script="$work/jvm.map" \
        "$work/jvm.o" "$work/jvm-stubs.o" -ldl
    # By path, not -l: the linker would take the empty lib<name>.a of the CLibraryPath first.
    linker_options=("$jdklib/libjvm.so")
    for l in "${jdk_libs[@]}"; do
        cp "$JAVA_HOME/lib/lib$l.so" "$jdklib/"
        ar rcs "$clib/lib$l.a"
        linker_options+=("$jdklib/lib$l.so")
    done
    linker_options+=('-Wl,-rpath,$ORIGIN')

    # 4. The builder, as GraalVM's driver would start it. The driver also finds the reachability metadata the jars
    #    carry (META-INF/native-image/<group>/<artifact>/*.json) and names those folders to the builder.
    metadata_roots=$(for jar in target/taskcluster-proxy.jar target/lib/*.jar; do
        unzip -Z1 "$jar" | sed -n 's,^\(META-INF/native-image/.*\)/[^/]*\.json$,\1,p'
    done | sort -u | paste -sd,)
    java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI src/main/native/BuilderArgs.java "${builder_jars[@]}" \
        > "$work/builder-jvm.args"
    export JVMCI_VERSION_CHECK=ignore # builder 25.0.4 on Temurin 25.0.x: the JVMCI API is the same release line
    export USE_NATIVE_IMAGE_JAVA_PLATFORM_MODULE_SYSTEM=true
    "$jdk/bin/java" \
        -XX:+UseParallelGC -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI -XX:-UseJVMCICompiler \
        -Xss10m -Xmx4g -XX:+ExitOnOutOfMemoryError -Xshare:off -Djava.awt.headless=true \
        -Dtruffle.TrustAllTruffleRuntimeProviders=true \
        -Dtruffle.TruffleRuntime=com.oracle.truffle.api.impl.DefaultTruffleRuntime \
        -Dgraalvm.ForcePolyglotInvalid=true -Dgraalvm.locatorDisabled=true -Dsubstratevm.HostLibC=glibc \
        "-Dorg.graalvm.vendor=Maven Central jars on $(basename "$JAVA_HOME")" -Dorg.graalvm.version=25.0.4 \
        -Dcom.oracle.graalvm.isaot=true -Dorg.graalvm.nativeimage.imagecode=buildtime \
        -Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader \
        -Djdk.reflect.useOldSerializableConstructor=true \
        -Djdk.internal.lambda.disableEagerInitialization=true -Djdk.internal.lambda.eagerlyInitialize=false \
        -Djava.lang.invoke.InnerClassLambdaMetafactory.initializeLambdas=false \
        -Djava.lang.invoke.MethodHandle.DONT_INLINE_THRESHOLD=-1 -Djava.lang.invoke.MethodHandle.PROFILE_GWT=false \
        @"$work/builder-jvm.args" --add-modules=ALL-DEFAULT \
        --upgrade-module-path "${compiler_jar[0]}" --module-path "$module_path" \
        --module org.graalvm.nativeimage.builder/com.oracle.svm.hosted.NativeImageGeneratorRunner \
        -imagecp "$classpath" \
        -H:Path="$work" -H:CLibraryPath="$clib" -H:ConfigurationResourceRoots="$metadata_roots" -H:ImageBuildID="$(cat /proc/sys/kernel/random/uuid)" \
        -H:+UnlockExperimentalVMOptions "${image_options[@]}" \
        "${linker_options[@]/#/-H:NativeLinkerOption=}" -H:TempDirectory="$PWD/$work/tmp" \
        ${TCP_NATIVE_QUICK:+-H:Optimize=b} ${TCP_NATIVE_OPTIMIZE:+-H:Optimize=$TCP_NATIVE_OPTIMIZE} \
        2>&1 | tee "$out/build.log"
    [ "${PIPESTATUS[0]}" -eq 0 ]
    cp "$work/taskcluster-proxy" "$dist/lib/"
    cp "$jdklib"/*.so "$dist/lib/"
fi

cp bin/taskcluster-proxy "$dist/bin/"
cp LICENSE "$dist/"
tar -C "$out" -czf "target/taskcluster-proxy-$version-linux-x64-native.tar.gz" \
    --transform "s,^taskcluster-proxy,taskcluster-proxy-$version," --owner=0 --group=0 taskcluster-proxy
echo "native.sh: target/taskcluster-proxy-$version-linux-x64-native.tar.gz"
