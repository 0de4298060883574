package io.virtwire.provisioner.host;

/** TOTAL_ERR_COR / TOTAL_ERR_NONFATAL / TOTAL_ERR_FATAL from aer_dev_correctable, aer_dev_nonfatal, aer_dev_fatal. */
public record AerCounters(long correctable, long nonfatal, long fatal) {
}
