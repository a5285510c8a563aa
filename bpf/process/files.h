/* File rules: the file opened, created, truncated or unlinked is matched
 * by inode, directory entry and directory prefix (the same three ways as
 * binaries), then the process by the rule's selectors. */
#ifndef WARDEN_PROCESS_FILES_H
#define WARDEN_PROCESS_FILES_H
#include "process/maps.h"
#include "process/track.h"
#include "process/match.h"
#include "process/emit.h"

#define FMODE_WRITE_BIT 0x2	/* fmode_t FMODE_WRITE: stable uapi-like value */

/* The file rules that name this target: the file itself (when it exists),
 * its directory entry, and every directory above it. dir is the path of
 * the file (dir_is_leaf false) or of the directory it is in. */
static __always_inline void target_bits(const struct path *dir, bool dir_is_leaf,
					struct dentry *d, __u32 gen,
					struct scratch *s)
{
	struct path_walk w = { .buf = s->path, .dir_bits = &s->target,
			       .gen = gen, .dir_map = &proc_tgt_dir,
			       .dir_leaf = dir_is_leaf };
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	struct file_id id = { .gen = gen };

	__builtin_memset(&s->target, 0, sizeof(s->target));
	if (BPF_CORE_READ(d, d_inode)) {
		dentry_id(d, &id);
		id.gen = gen;
		lookup_or(&proc_tgt_file, &id, &s->target);
	}
	if (len < NAME_KEY_LEN) {
		__builtin_memset(&s->dirent, 0, sizeof(s->dirent));
		bpf_probe_read_kernel(s->dirent.name, len & (NAME_KEY_LEN - 1),
				      BPF_CORE_READ(d, d_name.name));
		dentry_id(parent, &s->dirent.dir);
		s->dirent.dir.gen = gen;
		lookup_or(&proc_tgt_dirent, &s->dirent, &s->target);
	}
	walk_path(dir, &w);
}

/* Decide an operation on a file: returns the rule's action (ACT_NONE if
 * no file rule applies) and emits the event. */
static __always_inline __u8 file_decide(const struct path *dir, bool dir_is_leaf,
					struct dentry *d, bool write,
					__u8 mechanism)
{
	struct emit_args a = { .type = EV_FILE, .rule = -1, .with_args = true };
	struct task_struct *t = bpf_get_current_task_btf();
	struct policy_hdr *ph = current_policy(&a.gen);
	struct scratch *s = get_scratch();
	struct rule_bits *want;
	struct proc_info *pi;
	bool any = false;

	if (!ph || !s || BPF_CORE_READ(t, tgid) == agent_tgid)
		return ACT_NONE;
	want = write ? &ph->file_write : &ph->file_read;
	for (int i = 0; i < RULE_WORDS; i++)
		any |= want->w[i] != 0;
	if (!any)
		return ACT_NONE;	/* no file rules: the common case, cheap */
	target_bits(dir, dir_is_leaf, d, a.gen, s);
	for (int i = 0; i < RULE_WORDS; i++)
		s->target.w[i] &= want->w[i];
	pi = proc_get(t);
	if (!pi)
		return ACT_NONE;
	a.rule = match_rules(t, task_exe(t), pi, a.gen, ph, &s->target, false);
	if (a.rule < 0)
		return ACT_NONE;
	a.action = ph->action[a.rule & (MAX_RULES - 1)];
	if (!acted(a.action))
		return a.action;
	if (a.action == ACT_KILL || (a.action == ACT_DENY && mechanism == MECH_SIGKILL_TP))
		bpf_send_signal(SIGKILL);
	a.mechanism = a.action == ACT_ALERT ? MECH_NONE :
		      a.action == ACT_KILL ? MECH_SIGKILL_TP : mechanism;
	a.task = t;
	a.pi = pi;
	a.tpath = dir;
	a.tname = dir_is_leaf ? d : NULL;
	emit(&a);
	return a.action;
}

static __always_inline int lsm_verdict(__u8 act)
{
	__u32 zero = 0;
	__u64 *n;

	/* with LSM, kill also stops the operation itself */
	if (act != ACT_DENY && act != ACT_KILL)
		return 0;
	n = bpf_map_lookup_elem(&proc_lsm_denied, &zero);
	if (n)
		*n += 1;
	return -1;	/* -EPERM */
}
#endif
