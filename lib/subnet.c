/* Choosing a cluster's subnet: pure functions over the subnets in use. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create-internal.h"
#include "util.h"

int dd_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	char buf[64];
	if (dd_snprintf(buf, sizeof(buf), "%s", s) < 0)
		return -EINVAL;
	char *slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	*prefix = atoi(slash + 1);
	return *prefix >= 0 && *prefix <= 32 ? 0 : -EINVAL;
}

void dd_fmt_ip(uint32_t a, char *buf, size_t size)
{
	struct in_addr in = {.s_addr = htonl(a)};
	inet_ntop(AF_INET, &in, buf, (socklen_t)size);
}

static bool overlaps(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;
	uint32_t mask = p == 0 ? 0 : ~0u << (32 - p);
	return (a & mask) == (b & mask);
}

void dd_used_add(struct dd_used_nets *u, uint32_t addr, int prefix)
{
	if (u->n < ELEMENTSOF(u->addr)) {
		u->addr[u->n] = addr;
		u->prefix[u->n++] = prefix;
	}
}

void dd_used_add_networks(struct dd_used_nets *u, json_t *networks)
{
	size_t i, k;
	json_t *n, *cfg;
	json_array_foreach (networks, i, n) {
		json_array_foreach (json_object_get(json_object_get(n, "IPAM"), "Config"), k, cfg) {
			uint32_t a;
			int p;
			const char *s = json_string_value(json_object_get(cfg, "Subnet"));
			if (s && dd_parse_cidr(s, &a, &p) == 0)
				dd_used_add(u, a, p);
		}
	}
}

/* VPN routes are the usual clash with a subnet Docker itself would allow. */
void dd_used_add_routes(struct dd_used_nets *u, const char *proc_net_route)
{
	for (const char *p = proc_net_route; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], ifname[64];
		snprintf(line, sizeof(line), "%.*s", (int)len,
		         p); /* one line: sscanf must not read on */
		p = nl ? nl + 1 : NULL;
		unsigned dest, gw, flags, mask;
		/* The header line and the default route (destination 0) do not count. */
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifname, &dest, &gw, &flags,
		           &mask) == 5 &&
		    dest != 0)
			dd_used_add(u, ntohl(dest), __builtin_popcount(ntohl(mask)));
	}
}

/* Candidates: /24s in 172.30.0.0/15 down to 172.16, where Docker's own pools
 * live, so they rarely meet a corporate 10/8 or a home 192.168/16 route. */
bool dd_next_subnet(const struct dd_used_nets *u, uint32_t *cursor, uint32_t *ret)
{
	for (; *cursor < 16 * 256; (*cursor)++) {
		uint32_t second = 31 - *cursor / 256, third = *cursor % 256;
		uint32_t a = (172u << 24) | (second << 16) | (third << 8);
		if (second < 16)
			break;
		bool clash = false;
		for (size_t i = 0; i < u->n && !clash; i++)
			clash = overlaps(a, 24, u->addr[i], u->prefix[i]);
		if (!clash) {
			*ret = a;
			(*cursor)++;
			return true;
		}
	}
	return false;
}

int dd_user_network_addrs(json_t *net, size_t want, char *subnet, size_t subnet_size, char *gateway,
                          size_t gw_size, uint32_t *ret, dd_error *err)
{
	const char *name = json_string_value(json_object_get(net, "Name")) ?: "?";
	/* The first IPv4 subnet of its IPAM config: static addresses must be in
	 * one the network declares (Docker refuses others). */
	uint32_t base = 0;
	int prefix = 0;
	const char *gw = NULL;
	size_t i;
	json_t *cfg;
	json_array_foreach (json_object_get(json_object_get(net, "IPAM"), "Config"), i, cfg) {
		const char *sn = json_string_value(json_object_get(cfg, "Subnet"));
		if (sn && dd_parse_cidr(sn, &base, &prefix) == 0) {
			snprintf(subnet, subnet_size, "%s", sn);
			gw = json_string_value(json_object_get(cfg, "Gateway"));
			break;
		}
	}
	if (!prefix) {
		dd_error_usage(err, -EINVAL, "Network '%s' has no IPv4 subnet of its own", name);
		return dd_error_hint(err, "The nodes need static addresses: create the network "
		                          "with one, e.g. 'docker network create --subnet "
		                          "10.10.0.0/24 NAME'.");
	}
	if (prefix > 29)
		return dd_error_usage(err, -EINVAL, "Network '%s' (%s) is too small for a cluster",
		                      name, subnet);
	/* In use: the network address, the gateway (the first address unless
	 * it names another), the broadcast address and every attached container. */
	uint32_t size = 1u << (32 - prefix);
	uint32_t gw_addr = base + 1;
	int gw_prefix = 0;
	if (gw && *gw) {
		_cleanup_free_ char *cidr = dd_asprintf("%s/32", gw);
		if (dd_parse_cidr(cidr, &gw_addr, &gw_prefix) < 0)
			gw_addr = base + 1;
	}
	dd_fmt_ip(gw_addr, gateway, gw_size);
	json_t *ctrs = json_object_get(net, "Containers");
	size_t n = 0;
	for (uint32_t a = base + 1; a < base + size - 1 && n < want; a++) {
		if (a == gw_addr)
			continue;
		bool used = false;
		const char *id;
		json_t *c;
		json_object_foreach (ctrs, id, c) {
			uint32_t ca = 0;
			int cp = 0;
			const char *ip = json_string_value(json_object_get(c, "IPv4Address"));
			if (ip && dd_parse_cidr(ip, &ca, &cp) == 0 && ca == a)
				used = true;
		}
		if (!used)
			ret[n++] = a;
	}
	if (n < want)
		return dd_error_usage(err, -EADDRNOTAVAIL,
		                      "Network '%s' (%s) has %zu free addresses, the cluster needs "
		                      "%zu",
		                      name, subnet, n, want);
	return 0;
}
