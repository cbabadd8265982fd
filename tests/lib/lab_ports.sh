# lab_bmc_port: a base port for a lab's BMCs, free below 32768 (outside the
# kernel's ephemeral range, so no outgoing connection takes it meanwhile;
# libipmiconsole 1.6 also keeps the BMC port in a signed 16 bits).  The lab
# uses it and the next ones for the BMCs (UDP) and the serial relays' SOL
# ports (TCP, same numbers), and 100 above for the BMCs' VM channels (TCP):
# all of those are checked for both protocols.
lab_bmc_port() {
	python3 -c 'import random, socket
def free(p):
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            for q in (p, p + 1, p + 100, p + 101):
                s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", q)); s.close()
        return True
    except OSError:
        return False
print(next(p for p in iter(lambda: random.randint(20000, 32000), 0) if free(p)))'
}
