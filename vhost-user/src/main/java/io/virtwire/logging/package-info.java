/**
 * virtwire's log line, shared by the forwarder, the vhost-user library and the CLI's hook and watch logs: one line
 * per record, {@code TIME LEVEL COMPONENT: message key=value ...} ({@link LogLine}), written to stderr for journald
 * with {@code <N>} priority prefixes when {@code $JOURNAL_STREAM} is set ({@link LogSetup}), identical warnings and
 * errors rate limited ({@link RepeatLimiter}, the limiter of issue 14's session log). Knows nothing of virtwire's
 * other packages.
 */
package io.virtwire.logging;
