/* `warden run [OPTIONS] -- CMD [ARGS...]`: run one CI step in a fresh
 * cgroup under a pipeline policy, without a daemon. The BPF programs,
 * the cgroup, the seccomp supervisor and the DNS proxy live exactly as
 * long as this process; the report comes at the end. docs/run.md. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include "cmd/commands.h"
#include "core/agent.h"
#include "lib/cgroup.h"
#include "lib/log.h"
#include "lib/safefile.h"
#include "core/preflight.h"
#include "process/process.h"
#include "warden/process_abi.h"
#include "process/proctable.h"
#include "run/internal.h"
#include "run/report.h"
#include "warden/run_net_abi.h"

static const char usage[] =
"usage: warden run [--policy FILE] [--audit] [--report FILE.json]\n"
"                  [--learn FILE.yaml] [--fail-on-violation]\n"
"                  [--user USER | --as-root] [-v] -- CMD [ARGS...]\n"
"\n"
"Run CMD (a CI step) in its own cgroup under the `run:` section of a\n"
"policy: allowed binaries, allowed write prefixes and secret paths,\n"
"allowed destinations (addresses, CIDRs, DNS names) and denied syscalls.\n"
"Prints a report on stderr at the end. No daemon needed (root is).\n"
"\n"
"  -p, --policy FILE        the policy (default: the built-in one: audit,\n"
"                           secret paths and dangerous syscalls reported)\n"
"  -a, --audit              report violations, block nothing\n"
"  -r, --report FILE        write the full report as JSON\n"
"  -l, --learn FILE         write a policy that allows what this run did\n"
"  -f, --fail-on-violation  in audit mode too, exit 3 on violations\n"
"  -u, --user USER          run CMD as USER (default: $SUDO_UID/$SUDO_GID\n"
"                           when started through sudo)\n"
"      --as-root            run CMD as root (weaker: see docs/run.md)\n"
"  -v, --verbose            more detail\n"
"\n"
"Exit status: CMD's own (128+N if killed by signal N) when there was no\n"
"violation; 3 when there were violations in enforce mode (or in audit mode\n"
"with --fail-on-violation); 2 for a usage or policy error; 125 when the\n"
"run could not be set up.\n";

struct run_opts {
	const char *policy, *report, *learn;
	bool audit, fail_on_violation;
	const char *user;	/* --user */
	bool as_root;		/* --as-root */
	char **argv;
};

/* Who the step runs as. */
struct run_cred {
	bool drop;
	uid_t uid;
	gid_t gid;
};

struct run {
	struct run_opts o;
	struct run_policy *rp;
	bool enforce;
	struct run_cgroup cg;
	struct run_cred cred;
	struct agent agent;
	int epfd, sigfd, notif_fd, timerfd;
	int report_fd, learn_fd;	/* opened before the step starts */
	pid_t child;
	int child_status;
	bool child_done;
	int signals;		/* SIGINT/SIGTERM received */
	char cwd[PATH_MAX];
	struct timespec t0;
	char *cmd_path;		/* the command's file, resolved at the start */
	int cmd_fd;		/* it, held open: the exec allow-list names it */
};

static struct run *the_run;	/* for the process event sink */

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "audit", no_argument, NULL, 'a' },
		{ "report", required_argument, NULL, 'r' },
		{ "learn", required_argument, NULL, 'l' },
		{ "fail-on-violation", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "user", required_argument, NULL, 'u' },
		{ "as-root", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:ar:l:fu:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->policy = optarg; break;
		case 'a': o->audit = true; break;
		case 'r': o->report = optarg; break;
		case 'l': o->learn = optarg; break;
		case 'f': o->fail_on_violation = true; break;
		case 'v': log_verbose++; break;
		case 'u': o->user = optarg; break;
		case 'R': o->as_root = true; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -EINVAL;
		}
	}
	if (optind >= argc) {
		log_err("run: no command given (warden run [OPTIONS] -- CMD ...)");
		return -EINVAL;
	}
	if (o->user && o->as_root) {
		log_err("run: --user and --as-root exclude each other");
		return -EINVAL;
	}
	o->argv = argv + optind;
	return 0;
}

static int parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v >= (uid_t)-1 ? -EINVAL : 0;
}

/* --user USER (a name or a number), else the user sudo was run by, else
 * root (--as-root, or nothing to drop to). Never drops to uid 0. */
static int pick_cred(const struct run_opts *o, struct run_cred *c)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	unsigned long uid, gid;
	struct passwd *pw;

	if (o->as_root)
		return 0;
	if (o->user) {
		pw = getpwnam(o->user);
		if (!pw && parse_id(o->user, &uid) == 0)
			pw = getpwuid(uid);
		if (!pw) {
			log_err("run: --user %s: no such user", o->user);
			return -EINVAL;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else if (su) {
		if (parse_id(su, &uid) || parse_id(sg, &gid)) {
			log_err("run: SUDO_UID/SUDO_GID are not numbers");
			return -EINVAL;
		}
	} else {
		return 0;
	}
	c->drop = uid != 0;
	c->uid = uid;
	c->gid = gid;
	return 0;
}

/* ---- process events: the tree, and exec violations ------------------ */

static bool in_run(const struct process_event_view *v)
{
	size_t n = strlen(the_run->cg.rel);

	return v->cgroup_len >= n && !memcmp(v->cgroup, the_run->cg.rel, n) &&
	       (v->cgroup_len == n || v->cgroup[n] == '/');
}

/* Another file at the command's path: the command was replaced. */
static bool is_command_path(const char *binary)
{
	return binary && the_run->cmd_path && !strcmp(binary, the_run->cmd_path);
}

static void on_process_event(const struct process_event *ev,
			     const struct process_event_view *v)
{
	if (!in_run(v))
		return;
	switch (ev->type) {
	case EV_FORK:
		rep_fork(ev->pid, ev->ppid);
		break;
	case EV_EXEC:
		rep_exec(ev->pid, ev->ppid, v->binary, v->args, v->args_len);
		if (ev->rule == 2)	/* exec.deny, see exec_policy() */
			rep_violation(V_EXEC, ev->pid, is_command_path(v->binary) ?
				      "exec.command" : "exec.allow",
				      v->binary ?: "?", ev->action == ACT_KILL);
		break;
	case EV_EXIT:
		rep_exit(ev->pid, ev->exit_code);
		break;
	}
}

/* ---- the process module's policy: exec allow-list in our cgroup ----- */

static char *command_binary(const char *cmd)
{
	char path[PATH_MAX], *dirs, *save = NULL;
	const char *env = getenv("PATH");

	if (strchr(cmd, '/'))
		return realpath(cmd, NULL);
	dirs = strdup(env ? env : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, cmd);
		if (access(path, X_OK) == 0) {
			free(dirs);
			return realpath(path, NULL);
		}
	}
	free(dirs);
	return NULL;
}

static int add_rule(struct policy *p, const char *name, uint8_t action,
		    const char *cgroup)
{
	struct rule *r = &p->rules[p->nrules++];

	r->name = strdup(name);
	r->action = action;
	r->sel.used = 1u << DIM_CGROUP;
	return strv_push(&r->sel.cgroup, cgroup, 0, 0);
}

/* The command is allowed by its file, not its path: warden holds the file
 * open and names it in the allow-list as /proc/self/fd/N, whose inode the
 * process module records; the directory entry it also records is that of
 * /proc/PID/fd, which no exec ever has. A file put at the command's path
 * during the run is then not allowed. Writes into the file itself are
 * refused by the supervisor (run_seccomp_pin). */
static int pin_command(struct run *r, struct strv *allow)
{
	char name[64];
	struct stat st;

	r->cmd_path = command_binary(r->o.argv[0]);
	if (!r->cmd_path)
		return 0;	/* execvp will report it */
	r->cmd_fd = open(r->cmd_path, O_PATH | O_CLOEXEC);
	if (r->cmd_fd < 0 || fstat(r->cmd_fd, &st))
		return -errno;
	run_seccomp_pin(st.st_dev, st.st_ino);
	snprintf(name, sizeof(name), "/proc/%d/fd/%d", (int)getpid(), r->cmd_fd);
	return strv_push(allow, name, 0, 0);
}

/* Rule 1 allows the listed binaries (and the command itself) in the run's
 * cgroup; rule 2 kills (alerts on) every other exec there. First match
 * wins, and the kernel decides at exec time. */
static struct policy *exec_policy(struct run *r)
{
	struct policy *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p || !(p->rules = calloc(2, sizeof(*p->rules))))
		return NULL;
	p->file = strdup("<warden run>");
	p->name = strdup("warden-run");
	p->observe = OBSERVE_EXEC | OBSERVE_EXIT;
	if (!r->rp->exec_on)
		return p;
	err = add_rule(p, "exec.allow", ACT_ALLOW, r->cg.rel);
	p->rules[0].sel.used |= 1u << DIM_BINARY;
	for (size_t i = 0; i < r->rp->exec_allow.n && !err; i++)
		err = strv_push(&p->rules[0].sel.binary, r->rp->exec_allow.v[i], 0, 0);
	err = err ?: pin_command(r, &p->rules[0].sel.binary);
	err = err ?: add_rule(p, "exec.deny", r->enforce ? ACT_KILL : ACT_ALERT,
			      r->cg.rel);
	if (err) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static int load_process_module(struct run *r)
{
	struct policy *p = exec_policy(r);
	struct diags d;
	int err;

	if (!p)
		return -ENOMEM;
	diags_init(&d, "<warden run>");
	process_set_event_sink(on_process_event);
	err = agent_apply(&r->agent, p, &d);
	for (int i = 0; i < d.n; i++)	/* warnings (missing binaries) too */
		log_warn("exec allow-list: %s", d.v[i].msg);
	diags_free(&d);
	if (err)
		policy_free(p);
	return err;
}

/* ---- the child ------------------------------------------------------ */

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -EIO;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* No supplementary groups, the step's gid and uid (which clears every
 * capability), and no way back up through setuid binaries. */
static int drop_to(const struct run_cred *c)
{
	if (!c->drop)
		return 0;
	if (setgroups(0, NULL) || setresgid(c->gid, c->gid, c->gid) ||
	    setresuid(c->uid, c->uid, c->uid))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* the kernel dropped the capabilities with uid 0; make sure */
	if (setuid(0) == 0)
		return -EPERM;
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* reset by the uid change */
	return 0;
}

/* Raw IP and packet sockets need CAP_NET_RAW: a root step loses it (from
 * every set, the bounding set too, so no exec brings it back) unless the
 * policy allows raw or packet sockets. A user step never had it.
 * cgroup/sock_create and the seccomp filter refuse them anyway; this also
 * covers a packet socket made through a path seccomp does not see. */
static int drop_net_raw(const struct run_policy *rp)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (rp->sock_allow & ((1u << SK_RAW) | (1u << SK_PACKET)))
		return 0;
	if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0) && errno != EINVAL)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_RAW, 0, 0);
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1u << CAP_NET_RAW);
	d[0].permitted &= ~(1u << CAP_NET_RAW);
	d[0].inheritable &= ~(1u << CAP_NET_RAW);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* Never returns. Joins the cgroup and installs seccomp before exec, so
 * the first instruction of CMD already runs under the policy. */
static void child_main(struct run *r, int sock)
{
	struct seccomp_plan plan = {
		.deny = r->rp->syscalls, .ndeny = r->rp->nsyscalls,
		.writes = true, .reads = r->rp->secrets.n > 0,
		.io_uring_ok = r->rp->sys_allow & RS_IO_URING,
		.by_handle_ok = r->rp->sys_allow & RS_BY_HANDLE,
		.packet_ok = r->rp->sock_allow & (1u << SK_PACKET),
		.raw_ok = r->rp->sock_allow & (1u << SK_RAW),
	};
	sigset_t none;
	int err, fd;
	char go;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* warden gone: so is the step */
	err = run_cgroup_join(&r->cg);
	err = err ?: run_cgroup_enter_ns();
	if (r->enforce)	/* audit blocks nothing */
		err = err ?: drop_net_raw(r->rp);	/* while root: the bounding set */
	err = err ?: drop_to(&r->cred);
	fd = err ? err : run_seccomp_install(&plan);
	if (fd < 0 || send_fd(sock, fd) || read(sock, &go, 1) != 1) {
		err = fd < 0 ? fd : -EIO;
		if (write(sock, &err, sizeof(err)) < 0)
			_exit(RUN_EXIT_SETUP);
		_exit(RUN_EXIT_SETUP);
	}
	close(fd);
	execvp(r->o.argv[0], r->o.argv);
	err = -errno;
	if (write(sock, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

static int start_child(struct run *r)
{
	int sv[2], err = 0;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	r->child = fork();
	if (r->child < 0)
		return -errno;
	if (r->child == 0) {
		close(sv[0]);
		child_main(r, sv[1]);
	}
	close(sv[1]);
	r->notif_fd = recv_fd(sv[0]);
	if (r->notif_fd < 0) {
		if (read(sv[0], &err, sizeof(err)) != sizeof(err))
			err = r->notif_fd;
		log_err("run: the child could not set up seccomp: %s", strerror(-err));
		close(sv[0]);
		return err;
	}
	if (write(sv[0], "g", 1) != 1)
		err = -errno;
	/* EOF: exec happened (the socket is close-on-exec) */
	n = read(sv[0], &err, sizeof(err));
	close(sv[0]);
	if (n == sizeof(err) && err) {
		log_err("run: cannot execute %s: %s", r->o.argv[0], strerror(-err));
		return -err == ENOENT ? -ENOENT : err;
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------- */

static void watch(struct run *r, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int setup_loop(struct run *r)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->sigfd < 0 || r->epfd < 0 || r->timerfd < 0)
		return -errno;
	timerfd_settime(r->timerfd, 0, &its, NULL);
	watch(r, r->sigfd);
	watch(r, r->timerfd);
	/* orphans of the step are reaped here, not by init */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

static void reap(struct run *r)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == r->child) {
			r->child_status = st;
			r->child_done = true;
		}
	}
}

static void on_signal(struct run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(r);
			continue;
		}
		/* the CI runner gives up: pass it on; twice, kill it all */
		if (++r->signals > 1)
			run_cgroup_kill(&r->cg);
		else if (r->child > 0 && !r->child_done)
			kill(r->child, si.ssi_signo);
	}
}

static void dispatch(struct run *r, int fd)
{
	int err;

	if (fd == r->sigfd) {
		on_signal(r);
	} else if (fd == r->notif_fd) {
		/* exec events first: the caller may be new */
		ring_buffer__consume(r->agent.rb);
		err = run_seccomp_serve(fd, r->rp, r->enforce);
		if (err && err != -ENOENT)
			log_debug("seccomp: %s", strerror(-err));
	} else if (fd == r->timerfd) {
		uint64_t x;

		if (read(fd, &x, sizeof(x)) < 0)
			return;
		run_dns_tick();
	} else if (!run_dns_handle(fd)) {
		ring_buffer__consume(r->agent.rb);
	}
}

static int event_loop(struct run *r)
{
	struct epoll_event evs[16];

	while (!r->child_done) {
		int n = epoll_wait(r->epfd, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			dispatch(r, evs[i].data.fd);
	}
	/* the events of the last moments */
	for (int i = 0; i < 5; i++) {
		int n = epoll_wait(r->epfd, evs, 16, 20);

		for (int k = 0; k < n; k++)
			dispatch(r, evs[k].data.fd);
	}
	ring_buffer__consume(r->agent.rb);
	return 0;
}

/* ---- set-up, tear-down ---------------------------------------------- */

static int load_policy(struct run *r)
{
	struct diags d;

	if (!r->o.policy) {
		r->rp = run_policy_builtin();
	} else {
		diags_init(&d, r->o.policy);
		r->rp = run_policy_load(r->o.policy, &d);
		diags_print(&d, stderr);
		diags_free(&d);
	}
	if (!r->rp)
		return -EINVAL;
	r->enforce = !r->o.audit && r->rp->mode != RUN_AUDIT;
	return 0;
}

static int start_network(struct run *r)
{
	struct run_policy *rp = r->rp;
	struct net_plan np = { 0 };
	int err;

	if (!rp->net_on) {
		/* no allow-list: every destination passes, but the report
		 * still names them (and --learn writes them down) */
		static const struct cidr all[2] = { { .family = 4 }, { .family = 6 } };

		rp->any_destination = true;
		rp->nets = malloc(sizeof(all));
		if (!rp->nets)
			return -ENOMEM;
		memcpy(rp->nets, all, sizeof(all));
		rp->nnets = 2;
	}
	err = run_dns_start(rp, r->enforce, r->epfd, &np);
	if (err && rp->net_on)
		return err;
	return run_net_start(rp, &np, r->cg.dirfd, r->enforce, &r->agent.rb);
}

static int setup_cgroup(struct run *r)
{
	int err;

	if ((err = check_can_load_bpf()))
		return err;
	if ((err = setup_loop(r)))
		return err;
	if ((err = run_cgroup_create(&r->cg))) {
		log_err("run: cannot create a cgroup under %s: %s",
			cgroup2_root() ?: "(no cgroup2 mount)", strerror(-err));
		return err;
	}
	if ((err = run_cgroup_guard_start(&r->cg)))
		return err;
	run_seccomp_confine(r->cg.path);
	if ((err = run_secrets_load(&r->rp->secrets)))
		return err;
	rep_init(r->cg.rel);
	rep.enforce = r->enforce;
	return 0;
}

static int setup(struct run *r)
{
	struct timespec t = r->t0;
	int err;

	if ((err = setup_cgroup(r)))
		return err;
	log_debug("run: set-up: cgroup and its guard in %.1f ms", log_phase_ms(&t));
	proctable_init();
	if ((err = load_process_module(r)))
		return err;
	log_debug("run: set-up: exec programs in %.1f ms", log_phase_ms(&t));
	if ((err = start_network(r)))
		return err;
	log_debug("run: set-up: DNS proxy and network programs in %.1f ms",
		  log_phase_ms(&t));
	watch(r, ring_buffer__epoll_fd(r->agent.rb));
	if ((err = start_child(r)))
		return err;
	watch(r, r->notif_fd);
	log_debug("run: set-up: step started (seccomp, credentials) in %.1f ms",
		  log_phase_ms(&t));
	return 0;
}

static void teardown(struct run *r)
{
	if (r->child > 0 && !r->child_done) {
		kill(r->child, SIGKILL);
		waitpid(r->child, &r->child_status, 0);
		r->child_done = true;
	}
	if (run_cgroup_destroy(&r->cg))
		log_warn("run: could not remove cgroup %s", r->cg.path);
	run_cgroup_guard_stop(&r->cg);
	reap(r);
	if (r->notif_fd >= 0)
		close(r->notif_fd);
	run_dns_stop();
	run_net_stop();
	run_secrets_free();
	agent_unload(&r->agent);
	if (r->cmd_fd >= 0)
		close(r->cmd_fd);
	free(r->cmd_path);
	proctable_free();
	process_set_event_sink(NULL);
}

static int exit_status(struct run *r)
{
	int st = r->child_status;

	if (rep_violation_count() && (r->enforce || r->o.fail_on_violation))
		return RUN_EXIT_VIOLATION;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* The step may have replaced the file at path meanwhile (it may write
 * there): what we wrote is then in the file we opened, not at path. */
static void check_output_path(int fd, const char *path)
{
	if (fd < 0)
		return;
	if (!safe_still_at(fd, path))
		log_warn("run: %s was replaced during the run (by the step?); "
			 "left alone, the report went to the file opened at the "
			 "start", path);
	close(fd);
}

static void finish(struct run *r, int status)
{
	struct timespec t1;
	struct rep_meta m = {
		.argv = r->o.argv, .enforce = r->enforce,
		.policy = r->o.policy ? r->o.policy : "<builtin>",
		.child_status = r->child_status, .exit_status = status,
		.cgroup = r->cg.rel, .cwd = r->cwd, .rp = r->rp,
	};
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	m.seconds = (t1.tv_sec - r->t0.tv_sec) + (t1.tv_nsec - r->t0.tv_nsec) / 1e9;
	rep_summary(stderr, &m);
	if (r->report_fd >= 0 && (err = rep_write_json(r->report_fd, &m)))
		log_err("run: cannot write the report %s: %s", r->o.report, strerror(-err));
	if (r->learn_fd >= 0 && (err = rep_write_learned(r->learn_fd, &m)))
		log_err("run: cannot write the learned policy %s: %s",
			r->o.learn, strerror(-err));
	check_output_path(r->report_fd, r->o.report);
	check_output_path(r->learn_fd, r->o.learn);
}

/* --report and --learn are opened before the step exists, so it cannot
 * plant a link at the path for root to write through; the end of the
 * run writes through these fds. 0 or -errno after a message. */
static int open_output(const char *path, const char *what, int *fd)
{
	*fd = -1;
	if (!path)
		return 0;
	*fd = safe_open_write(path, SAFE_REPLACE, 0644);
	if (*fd >= 0)
		return 0;
	log_err("run: cannot open the %s %s: %s", what, path, safe_why(*fd));
	return *fd;
}

int cmd_run(int argc, char **argv)
{
	struct run r = { .epfd = -1, .sigfd = -1, .notif_fd = -1, .timerfd = -1,
			 .report_fd = -1, .learn_fd = -1, .cg.dirfd = -1,
			 .cg.guard_fd = -1, .cmd_fd = -1 };
	int err, status;
	struct process_losses l;

	if (parse_args(argc, argv, &r.o))
		return RUN_EXIT_USAGE;
	log_setup_libbpf();
	if (load_policy(&r))
		return RUN_EXIT_USAGE;
	if (pick_cred(&r.o, &r.cred)) {
		run_policy_free(r.rp);
		return RUN_EXIT_USAGE;
	}
	if (open_output(r.o.report, "report", &r.report_fd) ||
	    open_output(r.o.learn, "learned policy", &r.learn_fd)) {
		if (r.report_fd >= 0)
			close(r.report_fd);
		run_policy_free(r.rp);
		return RUN_EXIT_SETUP;
	}
	if (!r.cred.drop && !r.o.as_root)
		log_warn("run: the step runs as root (weaker, see docs/run.md); "
			 "--user USER to drop, --as-root to say so");
	the_run = &r;
	if (!getcwd(r.cwd, sizeof(r.cwd)))
		strcpy(r.cwd, "/");
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	err = setup(&r);
	if (!err)
		err = event_loop(&r);
	if (!err) {
		process_losses(&l);
		rep.lost += l.ringbuf_full + run_net_lost();
	}
	teardown(&r);
	if (err) {
		check_output_path(r.report_fd, r.o.report);
		check_output_path(r.learn_fd, r.o.learn);
		rep_free();
		run_policy_free(r.rp);
		return err == -ENOENT && r.child > 0 ? 127 : RUN_EXIT_SETUP;
	}
	status = exit_status(&r);
	finish(&r, status);
	rep_free();
	run_policy_free(r.rp);
	return status;
}
