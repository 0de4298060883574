# Sourced by bin/virtwire-forwarder and scripts/package: the forwarder's JIT directives, one list for both launchers.
#
# Why: C2 decides whether to inline a method it has already compiled by the size of that compiled code, and the size
# depends on what the warm-up happened to run. In the cross-connect loop with the guest on 2 MiB pages,
# SplitChainWalker.walk (one descriptor read per frame) came out just too big in most runs and was called out of line
# from SplitQueue.pop, which was itself called out of line: the rate was bimodal (10.5 or 12 Mpps from run to run) and
# lower on average (docs/benchmarks.md, "Session 8"). Forcing both inline gives the same shape in every run.
# CopyBatch's copy loops stay out of line: inlined into the to-guest batch, the same loop ran 6-7 % slower on hugepages
# (the copy stub's calls inside a larger compiled method); on 4 KiB pages it made no difference either way.
# "quiet": CompileCommand would otherwise print a line per directive on stdout, which carries --output json.
# shellcheck disable=SC2034
VIRTWIRE_FORWARDER_JIT_OPTS='-XX:CompileCommand=quiet'\
' -XX:CompileCommand=inline,io.virtwire.virtio.queue.SplitChainWalker::walk'\
' -XX:CompileCommand=inline,io.virtwire.virtio.queue.SplitQueue::pop'\
' -XX:CompileCommand=dontinline,io.virtwire.virtio.net.CopyBatch::copyFromGuest'\
' -XX:CompileCommand=dontinline,io.virtwire.virtio.net.CopyBatch::copyToGuest'
