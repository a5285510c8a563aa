#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "core/config.h"
#include "lib/log.h"
#include "policy/diag.h"
#include "policy/trust.h"
#include "policy/yaml_tree.h"

static const char *const keys[] = {
	"policy", "output", "format", "stats-interval", "socket",
	"control-group", "allow-untrusted-policy", "pin", "metrics",
	"verbose", "docker-socket", "podman-socket", NULL,
};

struct out_ctx {
	struct daemon_opts *o;
	struct diags *d;
};

static int add_output(const struct ynode *n, void *arg)
{
	struct out_ctx *c = arg;
	const char *s;

	if (ynode_str(n, &s, c->d))
		return -EINVAL;
	c->o->outputs[c->o->noutputs++] = s;	/* read_outputs checked the count */
	return 0;
}

static int read_outputs(const struct ynode *n, struct daemon_opts *o,
			struct diags *d)
{
	size_t count = n->kind == YN_SEQ ? n->n : 1;
	struct out_ctx c = { o, d };

	if (count > OUTPUT_MAX) {
		diag_add(d, n->line, n->col, "output: at most %d outputs", OUTPUT_MAX);
		return -EINVAL;
	}
	o->noutputs = 0;
	return ynode_each_scalar(n, d, add_output, &c);
}

static int read_format(const struct ynode *n, struct daemon_opts *o,
		       struct diags *d)
{
	const char *s;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	if (strcmp(s, "json") && strcmp(s, "text")) {
		diag_add(d, n->line, n->col, "format: expected json or text");
		return -EINVAL;
	}
	o->fmt = strcmp(s, "text") ? FMT_JSON : FMT_TEXT;
	return 0;
}

static int read_group(const struct ynode *n, struct daemon_opts *o,
		      struct diags *d)
{
	const char *s;
	struct group *gr;

	if (ynode_str(n, &s, d))
		return -EINVAL;
	gr = getgrnam(s);
	if (!gr) {
		diag_add(d, n->line, n->col, "control-group: no group named \"%s\"", s);
		return -EINVAL;
	}
	o->control_gid = gr->gr_gid;
	return 0;
}

static int read_numbers(const struct ynode *root, struct daemon_opts *o,
			struct diags *d)
{
	unsigned long long v;
	const struct ynode *n;
	int err = 0;

	if ((n = ymap_get(root, "stats-interval"))) {
		if (ynode_u64(n, 1, INT_MAX, &v, d))
			err = -EINVAL;
		else
			o->stats_interval = (int)v;
	}
	if ((n = ymap_get(root, "verbose"))) {
		if (ynode_u64(n, 0, 2, &v, d))
			err = -EINVAL;
		else
			log_verbose = (int)v;
	}
	if ((n = ymap_get(root, "allow-untrusted-policy")) &&
	    ynode_bool(n, &o->allow_untrusted, d))
		err = -EINVAL;
	return err;
}

/* policy, socket, pin, metrics, the runtimes' sockets: one string each. */
static int read_strings(const struct ynode *root, struct daemon_opts *o,
			struct diags *d)
{
	static const char *const names[] = { "policy", "socket", "pin", "metrics",
					     "docker-socket", "podman-socket" };
	const char **dst[] = { &o->policy_path, &o->socket_path, &o->pin_dir,
			       &o->metrics_addr, &o->docker_socket,
			       &o->podman_socket };
	int err = 0;

	for (int i = 0; i < 6; i++) {
		const struct ynode *n = ymap_get(root, names[i]);

		if (n && ynode_str(n, dst[i], d))
			err = -EINVAL;
	}
	return err;
}

static int read_config(const struct ynode *root, struct daemon_opts *o,
		       struct diags *d)
{
	const struct ynode *n;
	int err = 0;

	if (root->kind != YN_MAP) {
		diag_add(d, root->line, root->col, "expected a mapping of the "
			 "daemon's long options (policy:, output:, ...)");
		return -EINVAL;
	}
	if (ymap_check_keys(root, keys, d))
		err = -EINVAL;
	if (read_strings(root, o, d) || read_numbers(root, o, d))
		err = -EINVAL;
	if ((n = ymap_get(root, "output")) && read_outputs(n, o, d))
		err = -EINVAL;
	if ((n = ymap_get(root, "format")) && read_format(n, o, d))
		err = -EINVAL;
	if ((n = ymap_get(root, "control-group")) && read_group(n, o, d))
		err = -EINVAL;
	return err;
}

int config_load(const char *path, bool allow_untrusted,
		struct daemon_opts *o, struct ynode **keep)
{
	char why[PATH_MAX + 64];
	struct diags d;
	struct ynode *root;
	int err;

	*keep = NULL;
	if (access(path, R_OK)) {
		log_err("cannot read config %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	/* it names the policy, the outputs and the socket: as trusted as the
	 * policy has to be */
	if (!allow_untrusted && file_trusted(path, why, sizeof(why))) {
		log_err("refusing config %s: %s (fix the permissions, or pass "
			"--allow-untrusted-policy)", path, why);
		return -EINVAL;
	}
	diags_init(&d, path);
	root = ytree_load_file(path, &d);
	err = root ? read_config(root, o, &d) : -EINVAL;
	diags_print(&d, stderr);
	diags_free(&d);
	if (err) {
		ytree_free(root);
		return -EINVAL;
	}
	*keep = root;
	return 0;
}

void config_free(struct ynode *keep)
{
	ytree_free(keep);
}
