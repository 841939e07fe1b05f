/*
 * The coordinator's journal: records come back in order after a reopen, a
 * torn or corrupted tail is cut off (and later appends follow the last good
 * record), and a replay callback can stop the replay.
 */
#include "ns_journal.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[64];
static char s_path[128];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/ns-journal.XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/j", s_dir);
}

static void s_teardown(void)
{
    unlink(s_path);
    rmdir(s_dir);
}

typedef struct {
    int n;
    int64_t seen[64];
    int stop_at;
} s_acc_t;

static int s_collect(const ns_msg_t *m, void *arg)
{
    s_acc_t *a = arg;
    int64_t v = -1;
    ns_mp_get_int(m->root, "n", &v, NULL);
    if (a->stop_at && a->n == a->stop_at)
        return 7;
    a->seen[a->n++] = v;
    return 0;
}

static void s_append(ns_journal_t *j, int64_t n)
{
    ns_msgb_t b;
    ns_msgb_init_raw(&b, 2);
    ns_msgb_str(&b, "t", "START");
    ns_msgb_int(&b, "n", n);
    ns_err_t err;
    cr_assert_eq(ns_journal_append(j, &b, &err), 0, "%s", err.msg);
    ns_msgb_free(&b);
}

TestSuite(journal, .init = s_setup, .fini = s_teardown);

Test(journal, records_replay_in_order)
{
    ns_err_t err;
    ns_journal_t *j = ns_journal_open(s_path, NULL, NULL, &err);
    cr_assert(j, "%s", err.msg);
    for (int i = 0; i < 10; i++)
        s_append(j, i);
    ns_journal_close(&j);
    cr_assert_null(j);
    s_acc_t a = {0};
    j = ns_journal_open(s_path, s_collect, &a, &err);
    cr_assert(j, "%s", err.msg);
    cr_assert_eq(a.n, 10);
    cr_assert_eq(ns_journal_replayed(j), 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(a.seen[i], i);
    ns_journal_close(&j);
}

static void s_check_cut(off_t cut_from_end, int flip)
{
    ns_err_t err;
    ns_journal_t *j = ns_journal_open(s_path, NULL, NULL, &err);
    for (int i = 0; i < 5; i++)
        s_append(j, i);
    ns_journal_close(&j);
    struct stat st;
    stat(s_path, &st);
    if (cut_from_end)
        cr_assert_eq(truncate(s_path, st.st_size - cut_from_end), 0);
    if (flip) {
        int fd = open(s_path, O_RDWR);
        unsigned char c;
        cr_assert_eq(pread(fd, &c, 1, st.st_size - 3), 1);
        c ^= 0x40;
        cr_assert_eq(pwrite(fd, &c, 1, st.st_size - 3), 1);
        close(fd);
    }
    s_acc_t a = {0};
    j = ns_journal_open(s_path, s_collect, &a, &err);
    cr_assert(j, "%s", err.msg);
    cr_assert_eq(a.n, 4, "a damaged last record must be dropped, kept %d", a.n);
    s_append(j, 99); /* goes right after record 3 */
    ns_journal_close(&j);
    memset(&a, 0, sizeof a);
    j = ns_journal_open(s_path, s_collect, &a, &err);
    cr_assert_eq(a.n, 5);
    cr_assert_eq(a.seen[3], 3);
    cr_assert_eq(a.seen[4], 99);
    ns_journal_close(&j);
}

Test(journal, torn_tail_is_truncated)
{
    s_check_cut(2, 0);
}

Test(journal, corrupted_tail_is_truncated)
{
    s_check_cut(0, 1);
}

Test(journal, callback_can_stop_replay)
{
    ns_err_t err;
    ns_journal_t *j = ns_journal_open(s_path, NULL, NULL, &err);
    for (int i = 0; i < 5; i++)
        s_append(j, i);
    ns_journal_close(&j);
    s_acc_t a = {.stop_at = 2};
    j = ns_journal_open(s_path, s_collect, &a, &err);
    cr_assert_null(j);
    cr_assert_eq(a.n, 2);
}

Test(journal, unwritable_path_is_a_clear_error)
{
    ns_err_t err;
    ns_journal_t *j = ns_journal_open("/nonexistent-dir/j", NULL, NULL, &err);
    cr_assert_null(j);
    cr_assert(strstr(err.msg, "/nonexistent-dir/j"), "%s", err.msg);
}
