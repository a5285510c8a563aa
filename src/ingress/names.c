/* Modes, actions and protocols by name, as policies, `policy check
 * --explain`, logs and events spell them. */
#include <stdio.h>
#include "ingress/ingress.h"

const char *ingress_mode_name(enum ingress_mode m)
{
	switch (m) {
	case MODE_XDP: return "xdp";
	case MODE_XDP_NATIVE: return "xdp-native";
	case MODE_XDP_GENERIC: return "xdp-generic";
	case MODE_TC: return "tc";
	}
	return "?";
}

const char *ingress_action_name(__u8 action)
{
	return action == INGRESS_DROP ? "drop" : "allow";
}

const char *ingress_proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case INGRESS_PROTO_TCP: return "tcp";
	case INGRESS_PROTO_UDP: return "udp";
	case INGRESS_PROTO_ICMP: return "icmp";
	case INGRESS_PROTO_ICMPV6: return "icmpv6";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}
