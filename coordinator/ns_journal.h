/*
 * ns_journal: the coordinator's write-ahead journal (docs/PROTOCOL.md,
 * "Journal"). Records are msgpack maps framed as
 *     u32 length | u32 crc32 | bytes
 * and each append is fdatasync'ed before it returns, so a change the
 * coordinator acted on is on disk. Replay hands every intact record to a
 * callback in order and truncates a torn or corrupt tail.
 *
 * Workload: a few records per task attempt (hundreds to thousands a night),
 * each a few hundred bytes, except the plan record of a job (one entry per
 * input object).
 */
#ifndef NS_JOURNAL_H
#define NS_JOURNAL_H

#include "ns_err.h"
#include "ns_proto.h"

typedef struct ns_journal ns_journal_t;

/* Called for each record on replay; a nonzero return stops the replay and
 * is returned by ns_journal_open. */
typedef int (*ns_journal_fn)(const ns_msg_t *rec, void *arg);

/* Opens (creating) path, replays it through fn, truncates a bad tail, and
 * leaves it open for appends. */
ns_journal_t *ns_journal_open(const char *path, ns_journal_fn fn, void *arg, ns_err_t *err);
/* Appends b's bytes as one record and syncs. */
int ns_journal_append(ns_journal_t *j, const ns_msgb_t *b, ns_err_t *err);
/* Records replayed at open. */
long ns_journal_replayed(const ns_journal_t *j);
void ns_journal_close(ns_journal_t **jp);

#endif
