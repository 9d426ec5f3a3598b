import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Prints the JVM options that open the JDK to the native-image builder, one per line (an @argfile), when the
 * builder runs from Maven jars rather than from a GraalVM installation's native-image driver (which passes a
 * fixed list of its own). The builder reaches into JDK internals all over, so every package of every system module
 * the builder JVM resolves (run this with the same JVMCI options) is opened to every module of the builder's jars,
 * and they may all call native code.
 * Run as: java -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI BuilderArgs.java builder/*.jar
 */
public class BuilderArgs {
    public static void main(String[] jars) {
        String builder = ModuleFinder.of(Arrays.stream(jars).map(Path::of).toArray(Path[]::new)).findAll().stream()
                .map(m -> m.descriptor().name()).sorted().collect(Collectors.joining(","));
        for (Module module : ModuleLayer.boot().modules()) {
            String name = module.getName();
            for (String pkg : module.getPackages()) {
                System.out.println("--add-opens=" + name + "/" + pkg + "=" + builder);
                System.out.println("--add-exports=" + name + "/" + pkg + "=" + builder);
            }
        }
        System.out.println("--enable-native-access=" + builder);
    }
}
