/* Seccomp for `warden run`. The child installs one filter before exec;
 * every process of the step inherits it. Denied syscalls and the
 * file-changing syscalls are sent to warden (SECCOMP_RET_USER_NOTIF),
 * which resolves paths the way the kernel will, records what it saw and
 * answers EPERM (enforce, not allowed) or "continue". Everything else
 * never leaves the kernel: read-only opens included, unless the policy
 * lists secret paths.
 *
 * Without no_new_privs the kernel only lets CAP_SYS_ADMIN install a
 * filter: warden runs as root, so it does not set no_new_privs and setuid
 * programs in the step keep working; as non-root it sets it. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include "lib/log.h"
#include "run/internal.h"
#include "run/report.h"
#include "warden/run_net_abi.h"
#include "process/syscalls.h"

#ifndef OPEN_HOW_SIZE_VER0
#define OPEN_HOW_SIZE_VER0 24	/* the first struct open_how */
#endif
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
#define MAX_INSNS 240

/* Newer than the C library's headers (x86-64 numbers, 6.13 and 6.17). */
#define NR_setxattrat 463
#define NR_removexattrat 466
#define NR_file_setattr 469

/* ---- the filter ----------------------------------------------------- */

enum label { L_NONE, L_NOTIF, L_EPERM, L_OPEN_A1, L_OPEN_A2, L_SOCKET,
	     L__COUNT };

struct prog {
	struct sock_filter insn[MAX_INSNS];
	enum label target[MAX_INSNS];	/* jt label of a jump */
	int at[L__COUNT];
	int n;
};

static void emit(struct prog *p, struct sock_filter f, enum label jt)
{
	if (p->n < MAX_INSNS) {
		p->target[p->n] = jt;
		p->insn[p->n++] = f;
	}
}

static void jump_if_nr(struct prog *p, int nr, enum label l)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 0), l);
}

static void ret(struct prog *p, enum label here, __u32 v)
{
	if (here)
		p->at[here] = p->n;
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, v), L_NONE);
}

/* Opens: the flags decide (low 32 bits of argument i, little-endian). */
static void open_check(struct prog *p, enum label here, int arg, bool reads)
{
	p->at[here] = p->n;
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, args[arg])), L_NONE);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
		WRITE_FLAGS, 0, 0), L_NOTIF);
	ret(p, L_NONE, reads ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW);
}

/* socket(AF_PACKET, ...) goes to the supervisor: cgroup/sock_create is
 * not called for it (inet families only). So does SOCK_RAW of any family:
 * a root step has lost CAP_NET_RAW (enforce), so the kernel would refuse
 * it before cgroup/sock_create could report it. */
static void socket_check(struct prog *p, bool packet, bool raw)
{
	p->at[L_SOCKET] = p->n;
	if (packet) {
		emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[0])), L_NONE);
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			AF_PACKET, 0, 0), L_NOTIF);
	}
	if (raw) {
		emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, args[1])), L_NONE);
		emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
			0xf), L_NONE);	/* without SOCK_NONBLOCK, SOCK_CLOEXEC */
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			SOCK_RAW, 0, 0), L_NOTIF);
	}
	ret(p, L_NONE, SECCOMP_RET_ALLOW);
}

/* The syscalls whose paths (or fds) decide. Opens are handled apart.
 * fd-based ones are here because the fd need not be open for writing:
 * fchmod, fchown and fsetxattr work on a read-only fd. */
static const int path_syscalls[] = {
	SYS_creat, SYS_openat2, SYS_unlink, SYS_unlinkat, SYS_rmdir,
	SYS_rename, SYS_renameat, SYS_renameat2, SYS_chmod, SYS_fchmodat,
#ifdef SYS_fchmodat2
	SYS_fchmodat2,
#endif
	SYS_chown, SYS_lchown, SYS_fchownat, SYS_truncate, SYS_mkdir,
	SYS_mkdirat, SYS_link, SYS_linkat, SYS_symlink, SYS_symlinkat,
	SYS_mknod, SYS_mknodat, SYS_fchmod, SYS_fchown,
	SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr, SYS_removexattr,
	SYS_lremovexattr, SYS_fremovexattr, NR_setxattrat, NR_removexattrat,
	NR_file_setattr,
};

static int resolve_jumps(struct prog *p)
{
	for (int i = 0; i < p->n; i++) {
		int off;

		if (!p->target[i])
			continue;
		off = p->at[p->target[i]] - i - 1;
		if (off < 0 || off > 255)
			return -E2BIG;
		p->insn[i].jt = off;
	}
	return p->n < MAX_INSNS ? 0 : -E2BIG;
}

static int build(const struct seccomp_plan *sp, struct prog *p)
{
	memset(p, 0, sizeof(*p));
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch)), L_NONE);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		AUDIT_ARCH_X86_64, 1, 0), L_NONE);
	ret(p, L_NONE, SECCOMP_RET_ERRNO | EPERM);	/* 32-bit entry: refused */
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr)), L_NONE);
	/* x32 numbers would bypass the table below */
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
		0x40000000, 0, 0), L_EPERM);
	for (size_t i = 0; i < sp->ndeny; i++)
		jump_if_nr(p, sp->deny[i], L_NOTIF);
	if (sp->writes || sp->reads) {
		jump_if_nr(p, SYS_open, L_OPEN_A1);
		jump_if_nr(p, SYS_openat, L_OPEN_A2);
		jump_if_nr(p, SYS_creat, L_NOTIF);
		jump_if_nr(p, SYS_openat2, L_NOTIF);
	}
	jump_if_nr(p, SYS_clone3, L_NOTIF);	/* CLONE_INTO_CGROUP: see confine */
	/* ways to files that no path check sees: refused unless allowed */
	if (!sp->io_uring_ok)
		jump_if_nr(p, SYS_io_uring_setup, L_NOTIF);
	if (!sp->by_handle_ok)
		jump_if_nr(p, SYS_open_by_handle_at, L_NOTIF);
	if (sp->reads)
		jump_if_nr(p, SYS_name_to_handle_at, L_NOTIF);
	if (!sp->packet_ok || !sp->raw_ok)
		jump_if_nr(p, SYS_socket, L_SOCKET);
	if (sp->writes)
		for (size_t i = 0; i < sizeof(path_syscalls) / sizeof(int); i++)
			jump_if_nr(p, path_syscalls[i], L_NOTIF);
	ret(p, L_NONE, SECCOMP_RET_ALLOW);
	if (sp->writes || sp->reads) {
		open_check(p, L_OPEN_A1, 1, sp->reads);
		open_check(p, L_OPEN_A2, 2, sp->reads);
	}
	if (!sp->packet_ok || !sp->raw_ok)
		socket_check(p, !sp->packet_ok, !sp->raw_ok);
	ret(p, L_NOTIF, SECCOMP_RET_USER_NOTIF);
	ret(p, L_EPERM, SECCOMP_RET_ERRNO | EPERM);
	return resolve_jumps(p);
}

int run_seccomp_install(const struct seccomp_plan *sp)
{
	struct prog p;
	struct sock_fprog fp;
	int fd, err = build(sp, &p);

	if (err)
		return err;
	fp.len = p.n;
	fp.filter = p.insn;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	if (fd < 0 && errno == EACCES) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	}
	return fd < 0 ? -errno : fd;
}

/* ---- the supervisor ------------------------------------------------- */

static char run_cgroup_dir[PATH_MAX];	/* the run's cgroup, absolute */

void run_seccomp_confine(const char *cgroup_path)
{
	snprintf(run_cgroup_dir, sizeof(run_cgroup_dir), "%s", cgroup_path);
}

/* path names the run's cgroup or one below it */
static bool in_run_cgroup(const char *path)
{
	size_t n = strlen(run_cgroup_dir);

	return n && !strncmp(path, run_cgroup_dir, n) &&
	       (path[n] == '\0' || path[n] == '/');
}

/* Writing a pid to cgroup.procs, cgroup.threads or (v1) tasks moves it:
 * on a cgroup file system outside the run's cgroup, that is an escape. */
static bool is_cgroup_move(const char *path)
{
	const char *base = strrchr(path, '/');
	char dir[PATH_MAX];
	struct statfs st;

	if (!base || (strcmp(base, "/cgroup.procs") && strcmp(base, "/cgroup.threads") &&
		      strcmp(base, "/tasks")))
		return false;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	if (statfs(dir[0] ? dir : "/", &st) ||
	    (st.f_type != CGROUP2_SUPER_MAGIC && st.f_type != CGROUP_SUPER_MAGIC))
		return false;
	return st.f_type != CGROUP2_SUPER_MAGIC || !in_run_cgroup(dir);
}

struct call {
	const struct seccomp_notif *req;
	const struct run_policy *rp;
	bool enforce;
	int memfd;		/* /proc/PID/mem */
	/* an open: what warden judged, and opens itself (run_open_for) */
	bool is_open;
	int open_err;		/* the path could not be read or resolved */
	bool secret_reported;	/* this call's secret access, once */
	struct open_for of;
	char raw[PATH_MAX], path[PATH_MAX], via[PATH_MAX];
};

/* A NUL-terminated string from the caller's memory. */
static int read_string(struct call *c, uint64_t addr, char *buf, size_t len)
{
	ssize_t n = pread(c->memfd, buf, len - 1, (off_t)addr);

	if (n <= 0)
		return -EFAULT;
	buf[n] = '\0';
	return strlen(buf) < (size_t)n ? 0 : -ENAMETOOLONG;
}

static bool is_allowed_write(const struct run_policy *rp, const char *path)
{
	if (!rp->write_on || path[0] != '/' || run_path_always_writable(path))
		return true;
	return run_path_under(&rp->write_allow, path);
}

/* The command's own file (see run_seccomp_pin). */
static dev_t pin_dev;
static ino_t pin_ino;

void run_seccomp_pin(dev_t dev, ino_t ino)
{
	pin_dev = dev;
	pin_ino = ino;
}

static bool is_pinned(const char *path)
{
	struct stat st;

	return pin_ino && !stat(path, &st) && st.st_dev == pin_dev &&
	       st.st_ino == pin_ino;
}

/* A secret by its path, or by its file under any other name (a hard
 * link). The path is resolved: a last component still a symlink is one
 * the call does not follow, hence lstat. */
static bool is_secret(const struct run_policy *rp, const char *path)
{
	struct stat st;

	if (path[0] != '/' || !rp->secrets.n)
		return false;
	return run_path_under(&rp->secrets, path) ||
	       (!lstat(path, &st) && run_secret_file(&st));
}

static bool secret_access(struct call *c, const char *path)
{
	c->secret_reported = true;
	rep_secret_read(c->req->pid, path);
	rep_violation(V_SECRET, c->req->pid, "files.secrets", path, c->enforce);
	return !c->enforce;
}

/* The file warden opened for the caller (openfor.c), judged once more:
 * what is at the path may have changed since check_resolved looked. */
static int vet_opened(int fd, void *arg)
{
	struct call *c = arg;
	struct stat st;

	if (c->secret_reported || fstat(fd, &st) || !run_secret_file(&st))
		return 0;
	return secret_access(c, c->path) ? 0 : -EPERM;
}

/* The decision for a resolved path. raw: as the caller wrote it ("" for
 * an fd). Returns true when the call may go on. */
static bool check_resolved(struct call *c, const char *op, const char *path,
			   const char *raw, bool writes, bool reads)
{
	uint32_t pid = c->req->pid;

	if ((reads || writes) && is_secret(c->rp, path))
		return secret_access(c, path);
	if (!writes)
		return true;
	if (is_cgroup_move(path)) {
		/* never allowed, audit mode too: the rest of the run's
		 * checks would no longer see the process */
		rep_violation(V_CONFINE, pid, "confine.cgroup", path, true);
		return false;
	}
	/* mkdir -p asks for every existing parent too; EEXIST changes nothing */
	if (!strcmp(op, "mkdir") && path[0] == '/' && !access(path, F_OK))
		return true;
	if (is_pinned(path)) {
		/* what runs as the command must stay what was checked */
		rep_file(pid, op, path, false);
		rep_violation(V_WRITE, pid, "exec.command", path, c->enforce);
		return !c->enforce;
	}
	if (!is_allowed_write(c->rp, path) &&
	    !run_path_reopens_write_fd(pid, raw)) {
		rep_file(pid, op, path, false);
		rep_violation(V_WRITE, pid, "files.write", path, c->enforce);
		return !c->enforce;
	}
	if (path[0] == '/' && !run_path_always_writable(path))
		rep_file(pid, op, path, true);
	return true;
}

/* Check one path argument. Returns true when the call may go on. */
static bool check_path(struct call *c, const char *op, int dirfd,
		       uint64_t addr, bool follow, bool writes, bool reads)
{
	char raw[PATH_MAX], path[PATH_MAX];

	if (read_string(c, addr, raw, sizeof(raw)))
		return true;	/* the kernel will fail it with EFAULT */
	if (run_path_resolve(c->req->pid, dirfd, raw, follow, path, sizeof(path),
			     NULL, 0))
		snprintf(path, sizeof(path), "%s", raw);
	return check_resolved(c, op, path, raw, writes, reads);
}

/* A change through an fd (fchmod, fsetxattr, ...): the file it names. */
static bool check_fd(struct call *c, const char *op, int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/fd/%d", c->req->pid, fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return true;	/* EBADF, or a pipe or socket */
	path[n] = '\0';
	return check_resolved(c, op, path, "", true, false);
}

/* The *at calls with AT_EMPTY_PATH act on dirfd itself when path is "". */
static bool check_at(struct call *c, const char *op, int dirfd,
		     uint64_t addr, uint64_t at_flags)
{
	char first;

	if ((at_flags & AT_EMPTY_PATH) &&
	    pread(c->memfd, &first, 1, (off_t)addr) == 1 && !first)
		return check_fd(c, op, dirfd);
	return check_path(c, op, dirfd, addr, !(at_flags & AT_SYMLINK_NOFOLLOW),
			  true, false);
}

/* An open is judged on warden's own copy of the path, which is also what
 * warden then opens: a read or resolution error is the answer (a
 * "continue" would let the kernel read a path warden never saw). */
static bool check_open(struct call *c, int dirfd, uint64_t addr,
		       uint64_t flags)
{
	bool writes = flags & WRITE_FLAGS;
	bool follow = !(flags & O_NOFOLLOW) &&
		      (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	struct open_for *o = &c->of;

	c->is_open = true;
	o->raw = c->raw;
	o->path = c->path;
	o->via = c->via;
	o->dirfd = dirfd;
	o->flags = flags;
	if (c->rp->secrets.n) {
		o->vet = vet_opened;
		o->vet_arg = c;
	}
	c->open_err = read_string(c, addr, c->raw, sizeof(c->raw));
	if (!c->open_err)
		c->open_err = run_path_resolve(c->req->pid, dirfd, c->raw, follow,
					       c->path, sizeof(c->path),
					       c->via, sizeof(c->via));
	if (c->open_err)
		return true;
	return check_resolved(c, "open", c->path, c->raw, writes, true);
}

/* openat2: struct open_how (flags, mode, resolve) is in the caller's
 * memory too; warden's copy is what it judges and uses. */
static bool check_openat2(struct call *c, const __u64 *a)
{
	struct open_how how = { 0 };
	size_t size = a[3] < sizeof(how) ? a[3] : sizeof(how);

	if (size < OPEN_HOW_SIZE_VER0 ||
	    pread(c->memfd, &how, size, (off_t)a[2]) != (ssize_t)size) {
		c->is_open = true;
		c->open_err = size < OPEN_HOW_SIZE_VER0 ? -EINVAL : -EFAULT;
		return true;
	}
	c->of.mode = how.mode;
	c->of.resolve = how.resolve;
	return check_open(c, (int)a[0], a[1], how.flags);
}

static bool check_legacy_open(struct call *c, int dirfd, uint64_t addr,
			      uint64_t flags, uint64_t mode)
{
	c->of.legacy = true;
	c->of.mode = mode;
	return check_open(c, dirfd, addr, flags);
}

/* The path arguments of each file syscall, and the decision. */
static bool check_file_call(struct call *c)
{
	const __u64 *a = c->req->data.args;

	switch (c->req->data.nr) {
	case SYS_open: return check_legacy_open(c, AT_FDCWD, a[0], a[1], a[2]);
	case SYS_openat: return check_legacy_open(c, (int)a[0], a[1], a[2], a[3]);
	case SYS_openat2: return check_openat2(c, a);
	case SYS_creat:
		return check_legacy_open(c, AT_FDCWD, a[0],
					 O_CREAT | O_WRONLY | O_TRUNC, a[1]);
	case SYS_unlink: return check_path(c, "unlink", AT_FDCWD, a[0], false, true, false);
	case SYS_rmdir: return check_path(c, "rmdir", AT_FDCWD, a[0], false, true, false);
	case SYS_unlinkat: return check_path(c, "unlink", (int)a[0], a[1], false, true, false);
	case SYS_rename:
		return check_path(c, "rename", AT_FDCWD, a[0], false, true, false) &&
		       check_path(c, "rename", AT_FDCWD, a[1], false, true, false);
	case SYS_renameat: case SYS_renameat2:
		return check_path(c, "rename", (int)a[0], a[1], false, true, false) &&
		       check_path(c, "rename", (int)a[2], a[3], false, true, false);
	case SYS_chmod: return check_path(c, "chmod", AT_FDCWD, a[0], true, true, false);
	case SYS_chown: return check_path(c, "chown", AT_FDCWD, a[0], true, true, false);
	case SYS_lchown: return check_path(c, "chown", AT_FDCWD, a[0], false, true, false);
	case SYS_fchmodat:
#ifdef SYS_fchmodat2
	case SYS_fchmodat2:
#endif
		return check_path(c, "chmod", (int)a[0], a[1],
				  !(a[3] & AT_SYMLINK_NOFOLLOW), true, false);
	case SYS_fchownat:
		return check_path(c, "chown", (int)a[0], a[1],
				  !(a[4] & AT_SYMLINK_NOFOLLOW), true, false);
	case SYS_truncate: return check_path(c, "truncate", AT_FDCWD, a[0], true, true, false);
	case SYS_mkdir: return check_path(c, "mkdir", AT_FDCWD, a[0], false, true, false);
	case SYS_mkdirat: return check_path(c, "mkdir", (int)a[0], a[1], false, true, false);
	case SYS_mknod: return check_path(c, "mknod", AT_FDCWD, a[0], false, true, false);
	case SYS_mknodat: return check_path(c, "mknod", (int)a[0], a[1], false, true, false);
	case SYS_link: return check_path(c, "link", AT_FDCWD, a[1], false, true, false);
	case SYS_linkat: return check_path(c, "link", (int)a[2], a[3], false, true, false);
	case SYS_symlink: return check_path(c, "symlink", AT_FDCWD, a[1], false, true, false);
	case SYS_symlinkat: return check_path(c, "symlink", (int)a[1], a[2], false, true, false);
	case SYS_fchmod: return check_fd(c, "chmod", (int)a[0]);
	case SYS_fchown: return check_fd(c, "chown", (int)a[0]);
	case SYS_setxattr: case SYS_removexattr:
		return check_path(c, "setxattr", AT_FDCWD, a[0], true, true, false);
	case SYS_lsetxattr: case SYS_lremovexattr:
		return check_path(c, "setxattr", AT_FDCWD, a[0], false, true, false);
	case SYS_fsetxattr: case SYS_fremovexattr:
		return check_fd(c, "setxattr", (int)a[0]);
	case NR_setxattrat: case NR_removexattrat:
		return check_at(c, "setxattr", (int)a[0], a[1], a[2]);
	case NR_file_setattr: return check_at(c, "setattr", (int)a[0], a[1], a[4]);
	case SYS_name_to_handle_at:
		return check_path(c, "handle", (int)a[0], a[1],
				  a[4] & AT_SYMLINK_FOLLOW, false, true);
	}
	return true;
}

/* A call that reaches files or the network without the checks above;
 * the filter sends it only when the policy does not allow it. */
static bool refuse_bypass(struct call *c)
{
	const __u64 *a = c->req->data.args;
	char what[64];

	switch (c->req->data.nr) {
	case SYS_io_uring_setup:
	case SYS_open_by_handle_at:
		rep_violation(V_SYSCALL, c->req->pid, "syscalls.allow",
			      syscall_name(c->req->data.nr) ?: "?", c->enforce);
		return !c->enforce;
	case SYS_socket:	/* AF_PACKET or SOCK_RAW: see socket_check() */
		rep_sock_text(what, sizeof(what), (int)a[0] == AF_PACKET ?
			      SK_PACKET : SK_RAW, (int)a[0], a[1] & 0xf, a[2]);
		rep_violation(V_SOCKET, c->req->pid, "network.sockets", what,
			      c->enforce);
		return !c->enforce;
	}
	return check_file_call(c);
}

static bool is_denied_syscall(const struct run_policy *rp, int nr)
{
	for (size_t i = 0; i < rp->nsyscalls; i++)
		if (rp->syscalls[i] == nr)
			return true;
	return false;
}

/* clone3(CLONE_INTO_CGROUP) into a cgroup outside the run's. The args
 * are in the caller's memory: a root step could change them after
 * "continue" (a non-root one is stopped by the kernel's own check). */
static bool check_clone3(struct call *c)
{
	struct clone_args ca = { 0 };
	uint64_t size = c->req->data.args[1];
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (size > sizeof(ca))
		size = sizeof(ca);
	if (pread(c->memfd, &ca, size, (off_t)c->req->data.args[0]) != (ssize_t)size)
		return true;	/* the kernel will fail it with EFAULT */
	if (!(ca.flags & CLONE_INTO_CGROUP))
		return true;
	snprintf(link, sizeof(link), "/proc/%u/fd/%d", c->req->pid, (int)ca.cgroup);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	if (n > 0 && in_run_cgroup(path))
		return true;
	rep_violation(V_CONFINE, c->req->pid, "confine.cgroup",
		      n > 0 ? path : "clone3 CLONE_INTO_CGROUP", true);
	return false;
}

static bool decide(struct call *c)
{
	int nr = c->req->data.nr;

	if (nr == SYS_clone3)
		return check_clone3(c);

	if (is_denied_syscall(c->rp, nr)) {
		rep_violation(V_SYSCALL, c->req->pid, "syscalls.deny",
			      syscall_name(nr) ?: "?", c->enforce);
		return !c->enforce;
	}
	return refuse_bypass(c);
}

int run_seccomp_serve(int fd, const struct run_policy *rp, bool enforce)
{
	static struct seccomp_notif_sizes sz;
	static struct seccomp_notif *req;
	static struct seccomp_notif_resp *resp;
	static struct call c;
	char mem[64];
	bool ok;
	int err;

	if (!req) {
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz))
			return -errno;
		req = calloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
		resp = calloc(1, sz.seccomp_notif_resp > sizeof(*resp) ?
			      sz.seccomp_notif_resp : sizeof(*resp));
		if (!req || !resp)
			return -ENOMEM;
	}
	memset(req, 0, sz.seccomp_notif);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req))
		return errno == ENOENT || errno == EINTR ? 0 : -errno;
	memset(&c, 0, offsetof(struct call, raw));	/* the buffers are set before use */
	c.rp = rp;
	c.enforce = enforce;
	c.req = req;
	snprintf(mem, sizeof(mem), "/proc/%u/mem", req->pid);
	c.memfd = open(mem, O_RDONLY | O_CLOEXEC);
	/* the pid still names the caller: nothing read above is stale */
	if (c.memfd >= 0 && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) == 0)
		ok = decide(&c);
	else
		ok = true;
	if (c.memfd >= 0)
		close(c.memfd);
	if (ok && c.is_open && !c.open_err) {
		/* the kernel never reads the path again: see openfor.c */
		err = run_open_for(fd, req, &c.of);
		if (err != -ENOSYS)
			return err;
	}
	memset(resp, 0, sz.seccomp_notif_resp);
	resp->id = req->id;
	if (!ok)
		resp->error = -EPERM;
	else if (c.is_open && c.open_err)
		resp->error = c.open_err;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) && errno != ENOENT)
		return -errno;
	return 0;
}
