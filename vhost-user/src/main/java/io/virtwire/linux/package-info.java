/**
 * Linux system calls over FFM: Unix sockets with SCM_RIGHTS, Unix datagram sockets (sd_notify), memfd, mmap,
 * eventfd, epoll, fcntl, fstat.
 *
 * <p>This is the only package that uses restricted FFM methods (linking, {@code reinterpret}); a test enforces
 * it. Every call that can fail captures errno and throws {@link io.virtwire.linux.ErrnoException} naming the call
 * and its argument. Descriptors are owned by exactly one {@link io.virtwire.linux.Fd}. Blocking calls
 * (recvmsg, accept, epoll_wait with a timeout) park the calling thread in native code: run them on platform
 * threads. Layouts target LP64 Linux (x86_64, aarch64).
 */
package io.virtwire.linux;
