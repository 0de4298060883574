/** The AER watch (seed 004): after a PF's AER error, re-applies the recorded VF settings and optionally re-plugs the VFs. */
package io.virtwire.provisioner.aer;
