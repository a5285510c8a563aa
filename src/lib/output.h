/* Where events go and how they look: JSON Lines (default) or text. Every
 * write failure is counted and reported once per episode (when writes start
 * failing, and when they work again), never silently. */
#ifndef WARDEN_OUTPUT_H
#define WARDEN_OUTPUT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/json.h"

enum out_format { FMT_JSON, FMT_TEXT };

struct output {
	int fd;
	enum out_format fmt;
	uint64_t events;	/* lines written */
	uint64_t failed;	/* lines lost to write errors */
	int last_errno;		/* set while writes fail: reported once */
	int64_t ok_since;	/* first good write after an error (monotonic) */
	uint64_t failed_at_error; /* failed when the episode began */
	bool resumed;		/* writes work again: the next stats must go out */
	bool torn;		/* a line was cut short: next write starts '\n' */
	/* whole lines not written yet, and where each ends in buf */
	char *buf;
	size_t len, cap;
	size_t *ends, nlines, ends_cap;
	int64_t wall_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	/* also given every JSON line written (control-socket subscribers) */
	void (*tap)(const char *line, size_t len);
};

extern struct output out;

int output_open(const char *path, enum out_format fmt);
void output_close(void);
void output_flush(void);
/* Once a second: announce that writing works again, when it does. */
void output_tick(void);
/* Resync the boot-time -> wall-clock offset (after NTP steps). */
void output_sync_clock(void);

/* Start an event object: {"time": "...", "type": type */
void output_begin(struct jbuf *j, const char *type, uint64_t boot_ns);
/* Finish j (closing the object) and write it as one line; in text mode
 * text (one line, already escaped for a terminal) is written instead. */
void output_emit(struct jbuf *j, const char *text);

/* Container fields from a cgroup path (see cgroup.h); returns the id. */
const char *output_container(struct jbuf *j, const char *cgroup_path, char *cid);

/* Text helper: appends s to buf with control bytes shown as \xNN. */
void text_escape(char *buf, size_t len, const char *s, size_t n);
#endif
