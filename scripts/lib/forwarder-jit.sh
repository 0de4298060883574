# Sourced by bin/virtwire-forwarder and scripts/package: how the JVM compiles the forwarder's data path, one list for
# both launchers. Each flag was measured in the cross-connect and switch loops, pairwise against the build without it
# (docs/benchmarks.md, "Session 8"); VIRTWIRE_FORWARDER_JAVA_OPTS comes after these, so an operator can override any.
#
# - SplitChainWalker.walk and SplitQueue.pop always inline. C2 inlines a method it already compiled only if that code
#   is small, and its size depends on what the warm-up ran: with the guest on 2 MiB pages walk came out too big in
#   most runs and was called out of line from pop, itself out of line, and the rate was bimodal (10.5 or 12 Mpps).
# - CopyBatch's copy loops never inline: inlined into the to-guest batch the loop ran 6-7 % slower on hugepages.
# - -XX:+PreserveFramePointer: +15-18 % in the cross-connect loop on hugepages, +4-5 % in the switch loop, no change
#   on 4 KiB pages (still 10 % in session 9). Why needs performance counters this machine lacks; perf call graphs
#   work as a side effect.
# - Not kept: -XX:UseAVX=2 (the JDK's copy stubs without AVX-512): +4 % in the two-port cross-connect on hugepages,
#   but -6 to -14 % with 16 ports on one switch; since the receive copies no longer straddle cache lines (session 9)
#   it gains nothing there either.
# "quiet": CompileCommand would otherwise print a line per directive on stdout, which carries --output json.
# shellcheck disable=SC2034
VIRTWIRE_FORWARDER_JIT_OPTS='-XX:CompileCommand=quiet'\
' -XX:CompileCommand=inline,io.virtwire.virtio.queue.SplitChainWalker::walk'\
' -XX:CompileCommand=inline,io.virtwire.virtio.queue.SplitQueue::pop'\
' -XX:CompileCommand=dontinline,io.virtwire.virtio.net.CopyBatch::copyFromGuest'\
' -XX:CompileCommand=dontinline,io.virtwire.virtio.net.CopyBatch::copyToGuest'\
' -XX:+PreserveFramePointer'
