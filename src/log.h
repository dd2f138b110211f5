/* SPDX-License-Identifier: MIT */
/*
 * log.h - writing to a machine's log sink (see log.c).
 *
 * A multi-line report is written between kmm_log_begin and kmm_log_end
 * with kmm_out_printf; kmm_log writes one pre-formatted message.
 *
 * Lock order: log_lock may be taken first and a zone lock inside it (the
 * failure report prints the free areas), never the other way round: code
 * holding a zone or cache lock collects its messages and logs after unlock.
 */
#ifndef KMM_LOG_H
#define KMM_LOG_H

#include "machine.h"

void kmm_log_begin(struct kmm_machine *m, struct kmm_out *o);
void kmm_log_end(struct kmm_machine *m, struct kmm_out *o);
/* Abort if the machine was told to treat reports as fatal (reports_fatal). */
void kmm_log_maybe_fatal(struct kmm_machine *m);

#endif /* KMM_LOG_H */
