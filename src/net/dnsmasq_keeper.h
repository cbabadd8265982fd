/*
 * The keeper between ingotd and each dnsmasq: stops its dnsmasq when
 * ingotd dies, however it dies (docs/scale-out.md, "DHCP with several
 * conductors").  ingotd runs itself again as the keeper: main() hands
 * over to dnsmasq_keeper_main when argv[1] is DNSMASQ_KEEPER_FLAG.
 */
#ifndef INGOT_DNSMASQ_KEEPER_H
#define INGOT_DNSMASQ_KEEPER_H

#define DNSMASQ_KEEPER_FLAG	"--dnsmasq-keeper"
#define DNSMASQ_KEEPER_NAME	"ingot-dnsmasq-keeper"

/* argv: NAME FLAG COMMAND...; descriptor 3 is the lifeline. */
int	dnsmasq_keeper_main(int argc, char **argv);

#endif
