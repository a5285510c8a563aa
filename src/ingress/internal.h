/* What the ingress module shares between its files. */
#ifndef WARDEN_INGRESS_MODULE_H
#define WARDEN_INGRESS_MODULE_H
#include <stddef.h>
#include <linux/types.h>

extern struct module ingress_module;

/* Ring buffer callback for struct ingress_event. */
int ingress_event_cb(void *ctx, void *data, size_t size);
/* Name of ifindex (buf holds IF_NAMESIZE bytes). */
const char *ingress_iface_name(__u32 ifindex, char *buf);
/* Name of rule id in generation gen. */
const char *ingress_rule_name_of_gen(__u32 gen, __u32 id, char *buf,
				     size_t len);
#endif
