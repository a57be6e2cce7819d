/**
 * The project's one libc binding, in the shape of Elasticsearch's {@code libs/native}: {@link
 * dev.ato.sandbox.nativeaccess.LibC} is the libc-shaped tier (one JNA direct-mapped method per call, each with
 * its man page), and above it the operations that every caller goes through: {@link
 * dev.ato.sandbox.nativeaccess.Sys} (descriptors, files by path), {@link dev.ato.sandbox.nativeaccess.AtFiles}
 * (trees reached through directory descriptors, never through a symlink), {@link
 * dev.ato.sandbox.nativeaccess.Mounts}, {@link dev.ato.sandbox.nativeaccess.Processes} and {@link
 * dev.ato.sandbox.nativeaccess.Namespaces}. A failure is a {@link dev.ato.sandbox.nativeaccess.NativeException}
 * naming the call, what it was applied to and the errno's name ({@link dev.ato.sandbox.nativeaccess.Errno}).
 *
 * <p>Elasticsearch keeps the libc interface and its JNA implementation apart because it has two
 * implementations (JNA and the JDK's FFM); here there is one, and JNA's direct mapping binds static natives of
 * a class, so the binding is a single class whose natives are package-private: the compiler itself keeps every
 * caller outside this package on the operations. Exported (qualified) to ato-rootfs and ato-server only.
 */
package dev.ato.sandbox.nativeaccess;
