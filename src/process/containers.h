/* The container cgroups that existed before the agent: marked in the
 * kernel's proc_ctr_cg as the cgroup_mkdir program marks new ones. */
#ifndef WARDEN_PROCESS_CONTAINERS_H
#define WARDEN_PROCESS_CONTAINERS_H

/* Walk the cgroup2 tree at root; mark every container cgroup in map fd.
 * Returns the number marked, or -errno. */
int containers_mark_existing(int fd, const char *root);
#endif
