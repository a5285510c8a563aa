/* Where events go and how they look: JSON Lines (default) or text. Every
 * write failure is counted and reported once per episode (when writes start
 * failing, and when they work again), never silently. */
#ifndef WARDEN_OUTPUT_H
#define WARDEN_OUTPUT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/json.h"

struct syslog_target;

/* Every event's "schema_version": docs/events.schema.json describes it.
 * Raised when a field changes meaning or type or goes away (new fields
 * do not raise it). */
#define OUTPUT_SCHEMA_VERSION 1

enum out_format { FMT_JSON, FMT_TEXT };
enum sink_kind { SINK_STDOUT, SINK_FILE, SINK_SYSLOG };

#define OUTPUT_MAX 8

/* One --output target, with its own buffer and error episode. */
struct sink {
	enum sink_kind kind;
	const char *target;	/* as given: "-", a path, "syslog:..." */
	int fd;
	struct syslog_target *syslog;
	uint64_t written, failed;
	int last_errno;		/* set while writes fail: reported once */
	int64_t ok_since;	/* first good write after an error (monotonic) */
	uint64_t failed_at_error; /* failed when the episode began */
	bool torn;		/* a line was cut short: next write starts '\n' */
	/* whole lines (syslog: messages) not written yet, where each ends */
	char *buf;
	size_t len, cap;
	size_t *ends, nlines, ends_cap;
};

struct output {
	enum out_format fmt;	/* of stdout and files; syslog gets JSON */
	struct sink sinks[OUTPUT_MAX];
	int nsinks;
	uint64_t events;	/* lines written, summed over the outputs */
	uint64_t failed;	/* lines lost to write errors, the same */
	bool resumed;		/* writes work again: the next stats must go out */
	int64_t wall_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	char hostname[256];	/* for syslog messages */
	/* also given every JSON line written (control-socket subscribers) */
	void (*tap)(const char *line, size_t len);
	/* and this one too (metrics count events by type and rule) */
	void (*observe)(const char *line, size_t len);
	/* adds what is known of a container beyond its id (name, image,
	 * pod: the daemon's container/identity.h); NULL: nothing */
	void (*container)(struct jbuf *j, const char *runtime, const char *id,
			  const char *cgroup_path);
};

extern struct output out;

/* Open every target: "-" (standard output), a file path, or a syslog
 * target (lib/syslog.h); none given: standard output. */
int output_open(const char *const targets[], int n, enum out_format fmt);
/* Reopen the files (after logrotate moved them) and reconnect syslog;
 * a file that cannot be reopened keeps the old one. */
void output_reopen(void);
void output_close(void);
void output_flush(void);
/* Once a second: announce that writing works again, when it does. */
void output_tick(void);
/* Resync the boot-time -> wall-clock offset (after NTP steps). */
void output_sync_clock(void);

/* Start an event object: {"time": "...", "type": type, "schema_version" */
void output_begin(struct jbuf *j, const char *type, uint64_t boot_ns);
/* Finish j (closing the object) and write it as one line; in text mode
 * its text form, made from the JSON (lib/evtext.h), the same for every
 * type. */
void output_emit(struct jbuf *j);

/* Container fields from a cgroup path (see cgroup.h); returns the id. */
const char *output_container(struct jbuf *j, const char *cgroup_path, char *cid);

/* Text helper: appends s to buf with control bytes shown as \xNN. */
void text_escape(char *buf, size_t len, const char *s, size_t n);
#endif
