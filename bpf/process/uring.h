/* File rules and io_uring. An operation submitted through a ring never
 * passes the open* syscalls, so on_open_exit does not see it, and the ring
 * resolves its path later (inline or in an io-wq worker) where no
 * tracepoint can look at the file. At submission only the path string is
 * known, and a string can name any file (symlinks, "..", a dirfd). So an
 * operation that reaches a file by path, submitted by a process in a file
 * rule's scope, is treated as touching that rule's files: a kill or deny
 * rule kills the submitter at io_uring_submit_req, before the operation is
 * issued. The pending SIGKILL also stops what the ring would do next: an
 * open that creates or truncates is queued for io-wq and cancelled, and
 * buffered reads and writes through a descriptor it opened inline return
 * EINTR (tests/evasion/test_files_evasion.sh). Attached only without BPF
 * LSM (with it, file_open and the path hooks see ring operations too) and
 * only while a policy has file rules. */
#ifndef WARDEN_PROCESS_URING_H
#define WARDEN_PROCESS_URING_H
#include "process/maps.h"
#include "process/track.h"
#include "process/match.h"
#include "process/emit.h"

#define URING_READ	1
#define URING_WRITE	2

/* open(2) flags: uapi values, the same on every architecture BPF runs on
 * here (vmlinux.h has no macros). */
#define UR_O_ACCMODE	03
#define UR_O_RDONLY	00
#define UR_O_CREAT	0100
#define UR_O_TRUNC	01000
#define UR_O_TMPFILE	020000000

static __always_inline __u8 open_access(__u64 flags)
{
	__u8 acc = (flags & UR_O_ACCMODE) == UR_O_RDONLY ? URING_READ :
		   (flags & UR_O_ACCMODE) == 1 ? URING_WRITE :
		   URING_READ | URING_WRITE;

	if (flags & (UR_O_CREAT | UR_O_TRUNC | UR_O_TMPFILE))
		acc |= URING_WRITE;
	return acc;
}

/* How the operation reaches a file by path (0: it does not), and the path
 * as the submitter gave it, for the event. */
static __always_inline __u8 uring_access(struct io_kiocb *req, __u8 op,
					 const char **name)
{
	void *cmd = &req->cmd;
	struct filename *fn = NULL;
	__u8 acc = URING_WRITE;

	/* kernels whose rings keep operations elsewhere: this check is
	 * pruned at load, so the object still loads there */
	if (!bpf_core_field_exists(req->cmd) ||
	    !bpf_core_type_exists(struct io_open))
		return 0;
	switch (op) {
	case IORING_OP_OPENAT:
	case IORING_OP_OPENAT2:
		fn = BPF_CORE_READ((struct io_open *)cmd, filename);
		acc = open_access(BPF_CORE_READ((struct io_open *)cmd, how.flags));
		break;
	case IORING_OP_RENAMEAT:	/* the name it replaces */
		fn = BPF_CORE_READ((struct io_rename *)cmd, newpath);
		break;
	case IORING_OP_LINKAT:		/* the file it links */
	case IORING_OP_SYMLINKAT:
		fn = BPF_CORE_READ((struct io_link *)cmd, oldpath);
		break;
	case IORING_OP_UNLINKAT:
		fn = BPF_CORE_READ((struct io_unlink *)cmd, filename);
		break;
	case IORING_OP_MKDIRAT:
		fn = BPF_CORE_READ((struct io_mkdir *)cmd, filename);
		break;
	default:
		return 0;
	}
	*name = fn ? BPF_CORE_READ(fn, name) : NULL;
	return acc;
}

/* The file rules (of the access asked) whose process selectors the
 * submitter satisfies decide: the first one, as everywhere. */
static __always_inline void uring_decide(struct io_kiocb *req)
{
	struct emit_args a = { .type = EV_FILE, .rule = -1, .with_args = true,
			       .uring = true };
	struct task_struct *t = bpf_get_current_task_btf();
	__u8 op = BPF_CORE_READ(req, opcode);
	const char *name = NULL;
	__u8 acc = uring_access(req, op, &name);
	struct policy_hdr *ph;
	struct proc_info *pi;
	struct scratch *s;
	bool any = false;

	if (!acc || BPF_CORE_READ(t, tgid) == agent_tgid)
		return;
	ph = current_policy(&a.gen);
	s = get_scratch();
	if (!ph || !s)
		return;
	__builtin_memset(&s->target, 0, sizeof(s->target));
	if (acc & URING_READ)
		or_bits(&s->target, &ph->file_read);
	if (acc & URING_WRITE)
		or_bits(&s->target, &ph->file_write);
	for (int i = 0; i < RULE_WORDS; i++)
		any |= s->target.w[i] != 0;
	pi = any ? proc_get(t) : NULL;
	if (!pi)
		return;
	a.rule = match_rules(t, task_exe(t), pi, a.gen, ph, &s->target, false);
	if (a.rule < 0)
		return;
	a.action = ph->action[a.rule & (MAX_RULES - 1)];
	if (!acted(a.action))
		return;
	if (a.action == ACT_KILL || a.action == ACT_DENY) {
		bpf_send_signal(SIGKILL);
		a.mechanism = MECH_SIGKILL_TP;
	}
	a.task = t;
	a.pi = pi;
	a.tstr = name;
	a.syscall_nr = op;
	emit(&a);
}
#endif
