/* Process events: check the record, enrich it (ancestry, container) and
 * print it as one JSON line or one text line. */
#include <signal.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include "lib/cgroup.h"
#include "lib/output.h"
#include "policy/policy.h"
#include "process/events.h"
#include "warden/process_abi.h"
#include "process/proctable.h"
#include "process/syscalls.h"

#define MAX_ANC_OUT MAX_ANCESTORS

static const char *type_name(__u32 t)
{
	switch (t) {
	case EV_EXEC: return "exec";
	case EV_FORK: return "fork";
	case EV_EXIT: return "exit";
	case EV_SYSCALL: return "syscall";
	case EV_FILE: return "file";
	case EV_SIGNAL: return "signal";
	default: return "unknown";
	}
}

static const char *mechanism_name(__u8 m)
{
	switch (m) {
	case MECH_SIGKILL_TP: return "sigkill";
	case MECH_LSM: return "lsm";
	default: return NULL;
	}
}

/* io_uring operations a file event can come from (bpf/process/uring.h). */
static const char *uring_op_name(__s32 op)
{
	switch (op) {
	case IORING_OP_OPENAT: return "openat";
	case IORING_OP_OPENAT2: return "openat2";
	case IORING_OP_RENAMEAT: return "renameat";
	case IORING_OP_UNLINKAT: return "unlinkat";
	case IORING_OP_MKDIRAT: return "mkdirat";
	case IORING_OP_SYMLINKAT: return "symlinkat";
	case IORING_OP_LINKAT: return "linkat";
	default: return "?";
	}
}

/* The variable part, split. Lengths were checked against the size and
 * against the ABI's maxima. */
struct ev_strings {
	const char *path, *args, *cwd, *cg;
	size_t path_len, args_len, cwd_len, cg_len;
};

static bool split_event(const struct process_event *ev, size_t size,
			struct ev_strings *s)
{
	size_t need;

	/* the header first: the lengths are in it */
	if (size < sizeof(*ev))
		return false;
	/* Each string is later copied into a buffer of the ABI's maximum
	 * size; the kernel never writes more, a damaged record might. */
	if (ev->path_len > PATH_MAX_LEN || ev->args_len > ARGS_MAX_LEN ||
	    ev->cwd_len > PATH_MAX_LEN || ev->cg_len > CGPATH_MAX_LEN)
		return false;
	need = sizeof(*ev) + (size_t)ev->path_len + ev->args_len +
	       ev->cwd_len + ev->cg_len;
	if (need > size)
		return false;
	s->path = ev->data;
	s->path_len = ev->path_len;
	s->args = s->path + s->path_len;
	s->args_len = ev->args_len;
	/* argv ends with a NUL; drop it so there is no empty last arg */
	while (s->args_len && s->args[s->args_len - 1] == '\0')
		s->args_len--;
	s->cwd = s->args + ev->args_len;
	s->cwd_len = ev->cwd_len;
	s->cg = s->cwd + s->cwd_len;
	s->cg_len = ev->cg_len;
	return true;
}

static void json_args(struct jbuf *j, const char *a, size_t n)
{
	size_t start = 0;

	jb_key(j, "args");
	jb_arr_open(j);
	for (size_t i = 0; i <= n && n; i++) {
		if (i == n || a[i] == '\0') {
			jb_strn(j, a + start, i - start);
			start = i + 1;
		}
	}
	jb_arr_close(j);
}

static void json_ids(struct jbuf *j, const struct process_event *ev)
{
	char id[48];

	exec_id_format((struct exec_key){ ev->pid, ev->exec_ktime }, id, sizeof(id));
	jb_kstr(j, "exec_id", id);
	exec_id_format((struct exec_key){ ev->parent_pid, ev->parent_exec_ktime },
		       id, sizeof(id));
	jb_kstr(j, "parent_exec_id", id);
}

static void json_ancestors(struct jbuf *j, const struct process_event *ev)
{
	const char *anc[MAX_ANC_OUT];
	int n = proctable_ancestors((struct exec_key){ ev->pid, ev->exec_ktime },
				    anc, MAX_ANC_OUT);

	jb_key(j, "ancestors");
	jb_arr_open(j);
	for (int i = 0; i < n; i++)
		jb_str(j, anc[i]);
	jb_arr_close(j);
}

static void json_cgroup(struct jbuf *j, const struct process_event *ev,
			const struct ev_strings *s)
{
	char path[CGPATH_MAX_LEN + 1], cid[CONTAINER_ID_LEN + 1];

	jb_ku64(j, "cgroup_id", ev->cgroup_id);
	jb_key(j, "cgroup");
	jb_strn(j, s->cg, s->cg_len);
	memcpy(path, s->cg, s->cg_len);
	path[s->cg_len] = '\0';
	/* a NUL inside the path is not a container's cgroup */
	output_container(j, strlen(path) == s->cg_len ? path : NULL, cid);
}

/* The policy whose rule indices events of generation gen refer to. */
static const struct policy *policy_of(const struct process_events *e, __u32 gen)
{
	return gen < POLICY_GENS ? e->gen_policy[gen] : NULL;
}

static void json_rule(struct jbuf *j, const struct process_event *ev,
		      const struct policy *p)
{
	const char *mech = mechanism_name(ev->mechanism);

	if (ev->flags & EVF_GUARD) {
		jb_kstr(j, "rule", "self-protection");
		jb_kstr(j, "action", action_name(ev->action));
		if (mech)
			jb_kstr(j, "mechanism", mech);
		return;
	}
	if (!ev->rule)
		return;
	if (p && ev->rule <= p->nrules)
		jb_kstr(j, "rule", p->rules[ev->rule - 1].name);
	else
		jb_ku64(j, "rule_index", ev->rule - 1);
	jb_kstr(j, "action", action_name(ev->action));
	if (mech)
		jb_kstr(j, "mechanism", mech);
}

static void json_exit(struct jbuf *j, const struct process_event *ev)
{
	int status = ev->exit_code;

	if (status & 0x7f) {
		jb_ki64(j, "signal", status & 0x7f);
		jb_kstr(j, "signal_name", sigabbrev_np(status & 0x7f) ?: "?");
	} else {
		jb_ki64(j, "exit_code", (status >> 8) & 0xff);
	}
}

static void json_event(struct jbuf *j, const struct process_event *ev,
		       const struct ev_strings *s, const char *binary,
		       const struct policy *p)
{
	output_begin(j, type_name(ev->type), ev->ktime);
	jb_ku64(j, "pid", ev->pid);
	jb_ku64(j, "tid", ev->tid);
	jb_ku64(j, "ns_pid", ev->ns_pid);
	jb_ku64(j, "ns_tid", ev->ns_tid);
	jb_ku64(j, "ppid", ev->ppid);
	jb_ku64(j, "uid", ev->uid);
	jb_ku64(j, "gid", ev->gid);
	jb_key(j, "comm");
	jb_strn(j, ev->comm, strnlen(ev->comm, COMM_LEN));
	jb_key(j, "binary");
	if (binary)
		jb_str(j, binary);
	else
		jb_null(j);
	if (ev->type == EV_FILE) {
		jb_key(j, "file");
		jb_strn(j, s->path, s->path_len);
	}
	if (ev->type == EV_FILE && (ev->flags & EVF_URING)) {
		jb_kstr(j, "via", "io_uring");
		jb_kstr(j, "io_uring_op", uring_op_name(ev->syscall_nr));
	}
	if (ev->type == EV_EXEC || ev->type == EV_SYSCALL || ev->type == EV_FILE ||
	    ev->type == EV_SIGNAL) {
		json_args(j, s->args, s->args_len);
		jb_kbool(j, "args_truncated", ev->flags & EVF_ARGS_TRUNC);
		jb_key(j, "cwd");
		jb_strn(j, s->cwd, s->cwd_len);
	}
	if (ev->flags & EVF_PATH_TRUNC)
		jb_kbool(j, ev->type == EV_FILE ? "file_truncated" :
			 "binary_truncated", true);
	json_ids(j, ev);
	json_ancestors(j, ev);
	json_cgroup(j, ev, s);
	if (ev->type == EV_SYSCALL) {
		jb_kstr(j, "syscall", syscall_name(ev->syscall_nr) ?: "?");
		jb_ki64(j, "syscall_nr", ev->syscall_nr);
	}
	if (ev->flags & EVF_COMPAT)
		jb_kstr(j, "abi", "ia32");
	if (ev->type == EV_SIGNAL) {	/* sent to the agent */
		jb_ki64(j, "signal", ev->exit_code);
		jb_kstr(j, "signal_name", sigabbrev_np(ev->exit_code) ?: "?");
	}
	if (ev->type == EV_EXIT)
		json_exit(j, ev);
	json_rule(j, ev, p);
}

/* Keep the user-space table in step with the kernel's. */
static const char *track(const struct process_event *ev,
			 const struct ev_strings *s)
{
	struct exec_key key = { ev->pid, ev->exec_ktime };
	struct exec_key parent = { ev->parent_pid, ev->parent_exec_ktime };
	char path[PATH_MAX_LEN + 1];
	struct pnode *n;

	switch (ev->type) {
	case EV_EXEC:
		n = proctable_by_pid(ev->pid);
		if (n && (n->key.ktime != key.ktime))
			proctable_exit(n->key);	/* the image it replaced */
		memcpy(path, s->path, s->path_len);
		path[s->path_len] = '\0';
		n = proctable_put(key, parent, path);
		return n ? n->binary : NULL;
	case EV_FORK: {
		struct pnode *pp = proctable_get(parent);

		n = proctable_put(key, parent, pp ? pp->binary : NULL);
		return n ? n->binary : NULL;
	}
	default:
		n = proctable_get(key);
		if (ev->type == EV_EXIT)
			proctable_exit(key);
		return n ? n->binary : NULL;
	}
}

static void to_sink(const struct process_events *e,
		    const struct process_event *ev, const struct ev_strings *s,
		    const char *binary)
{
	struct process_event_view v = {
		.binary = binary, .args = s->args, .args_len = s->args_len,
		.cwd = s->cwd, .cwd_len = s->cwd_len,
		.cgroup = s->cg, .cgroup_len = s->cg_len,
	};

	e->sink(ev, &v);
}

int process_event_cb(void *ctx, void *data, size_t size)
{
	struct process_events *e = ctx;
	const struct process_event *ev = data;
	const struct policy *p;
	struct ev_strings s;
	const char *binary;

	if (!split_event(ev, size, &s))
		return 0;
	binary = track(ev, &s);
	if (e->sink) {
		to_sink(e, ev, &s, binary);
		return 0;
	}
	if (ev->flags & EVF_TRACK_ONLY)
		return 0;
	if ((ev->type == EV_SYSCALL || ev->type == EV_SIGNAL) && s.path_len) {
		/* the image's path, from the event itself */
		memcpy(e->path, s.path, s.path_len);
		e->path[s.path_len] = '\0';
		binary = e->path;
	}
	p = policy_of(e, ev->gen);
	json_event(&e->j, ev, &s, binary, p);
	output_emit(&e->j);
	return 0;
}
