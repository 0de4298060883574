import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * {@code java ClassVersionUpgrade.java DIR}: rewrites, in place, every jar in DIR that holds class files older than
 * Java 6 (class file version < 50): those classes become version 50, with the stack map frames version 50 calls for,
 * computed by the JDK's ClassFile API; other entries are copied unchanged, in the same order and with the same times.
 * Bytecode stays the same instruction for instruction. Jars without such classes are left alone.
 *
 * <p>Why (docs/packaging.md, "Fast start"): the JDK's AOT cache holds only classes of version 50 or newer (older
 * ones need the old type-inferring verifier, which the cache's ahead-of-time linking does not run). picocli 4.7 is
 * compiled for Java 5 (version 49), so without this every CLI call loads, verifies and links its ~170 classes from
 * the jar (aopalliance 1.0, Guice's, likewise). scripts/package runs it on the CLI's jars, then trains the cache.
 */
public final class ClassVersionUpgrade {

    private static final int TARGET = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
            System.err.println("usage: java ClassVersionUpgrade.java DIR (a directory of jars)");
            System.exit(2);
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            Path out = jar.resolveSibling(jar.getFileName() + ".new");
            int upgraded = upgrade(jar, out);
            if (upgraded > 0) {
                Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
                System.out.println(jar.getFileName() + ": " + upgraded + " classes upgraded to class file version " + TARGET);
            } else {
                Files.delete(out);
            }
        }
    }

    /** Writes {@code in} to {@code out} with its old classes upgraded; returns how many there were. */
    private static int upgrade(Path in, Path out) throws IOException {
        int upgraded = 0;
        try (JarFile jar = new JarFile(in.toFile());
             URLClassLoader loader = new URLClassLoader(new URL[] {in.toUri().toURL()}, null);
             JarOutputStream os = new JarOutputStream(Files.newOutputStream(out))) {
            // stack maps name the common super type of merged branches: the jar's own classes, then the JDK's
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                byte[] bytes = jar.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/versions/")) {
                    ClassModel model = cf.parse(bytes);
                    if (model.majorVersion() < TARGET) {
                        bytes = cf.transformClass(model, upgrade());
                        upgraded++;
                    }
                }
                JarEntry copy = new JarEntry(e.getName());
                copy.setTime(e.getTime());
                FileTime modified = e.getLastModifiedTime();
                if (modified != null) {
                    copy.setLastModifiedTime(modified);
                }
                os.putNextEntry(copy);
                os.write(bytes);
                os.closeEntry();
            }
        }
        return upgraded;
    }

    /** The version element replaced; every method body rebuilt, so its stack map frames are generated. */
    private static ClassTransform upgrade() {
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        return version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
    }
}
