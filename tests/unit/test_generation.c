/* Unit tests for the generation switch (src/core/generation.c): what is
 * cleared, and when, with a stand-in for a module's maps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <cmocka.h>
#include "core/generation.h"

struct fake_maps {
	int cleared[2];		/* times each generation was cleared */
	int fail;		/* next clear returns this */
};

static int fake_clear(void *ctx, __u32 gen)
{
	struct fake_maps *m = ctx;

	if (m->fail) {
		int err = m->fail;

		m->fail = 0;
		return err;
	}
	m->cleared[gen]++;
	return 0;
}

static void t_first_stage_writes_inactive(void **state)
{
	__u32 active = 0, gen = 9;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	assert_int_equal(gen_stage(&g, &gen), 0);
	assert_int_equal(gen, 1);
	assert_int_equal(m.cleared[0] + m.cleared[1], 0);	/* nothing dirty yet */
	gen_commit(&g);
	assert_int_equal(active, 1);
}

static void t_old_generation_cleared_on_tick(void **state)
{
	__u32 active = 0, gen;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	gen_stage(&g, &gen);
	gen_commit(&g);
	assert_int_equal(m.cleared[0], 0);	/* not at the switch itself */
	assert_int_equal(gen_tick(&g, "test"), 0);
	assert_int_equal(m.cleared[0], 1);
	assert_int_equal(gen_tick(&g, "test"), 0);
	assert_int_equal(m.cleared[0], 1);	/* once */
	assert_int_equal(m.cleared[1], 0);	/* never the active one */
}

static void t_back_to_back_switch_clears_before_reuse(void **state)
{
	__u32 active = 0, gen;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	gen_stage(&g, &gen);
	gen_commit(&g);			/* 0 -> 1, 0 dirty */
	assert_int_equal(gen_stage(&g, &gen), 0);	/* no tick between */
	assert_int_equal(gen, 0);
	assert_int_equal(m.cleared[0], 1);
	gen_commit(&g);
	assert_int_equal(active, 0);
}

static void t_tick_waits_while_staging(void **state)
{
	__u32 active = 0, gen;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	gen_stage(&g, &gen);
	gen_commit(&g);
	gen_stage(&g, &gen);		/* clears 0 and writes it */
	m.cleared[0] = 0;
	gen_tick(&g, "test");			/* must not wipe what is being staged */
	assert_int_equal(m.cleared[0], 0);
}

static void t_abort_leaves_staged_dirty(void **state)
{
	__u32 active = 0, gen;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	gen_stage(&g, &gen);
	gen_abort(&g);
	assert_int_equal(active, 0);
	gen_commit(&g);			/* nothing staged: no switch */
	assert_int_equal(active, 0);
	gen_tick(&g, "test");
	assert_int_equal(m.cleared[1], 1);
}

static void t_clear_error_reported_and_retried(void **state)
{
	__u32 active = 0, gen;
	struct fake_maps m = { 0 };
	struct generation g;

	gen_init(&g, &active, fake_clear, &m);
	gen_stage(&g, &gen);
	gen_commit(&g);
	m.fail = -ENOMEM;
	assert_int_equal(gen_tick(&g, "test"), -ENOMEM);
	assert_int_equal(gen_stage(&g, &gen), 0);	/* retried, succeeds */
	assert_int_equal(m.cleared[0], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_first_stage_writes_inactive),
		cmocka_unit_test(t_old_generation_cleared_on_tick),
		cmocka_unit_test(t_back_to_back_switch_clears_before_reuse),
		cmocka_unit_test(t_tick_waits_while_staging),
		cmocka_unit_test(t_abort_leaves_staged_dirty),
		cmocka_unit_test(t_clear_error_reported_and_retried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
