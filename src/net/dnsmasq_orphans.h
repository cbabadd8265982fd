/*
 * dnsmasq processes an earlier life of this ingotd left running (its keeper
 * killed with it, docs/scale-out.md): found by the pid files in the DHCP
 * state directory and stopped at start, before any server is started.
 */
#ifndef INGOT_DNSMASQ_ORPHANS_H
#define INGOT_DNSMASQ_ORPHANS_H

/*
 * Stops every process named by <state_dir>/net<VLAN>/dnsmasq.pid whose
 * command line is prog's with --conf-file=<state_dir>/net<VLAN>/dnsmasq.conf;
 * never another.  Returns how many it stopped.
 */
int	dnsmasq_orphans_stop(const char *state_dir, const char *prog);

#endif
