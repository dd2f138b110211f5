/* SPDX-License-Identifier: MIT */
/*
 * tools/kmm/replay/replay_cmds.h - entry points of kmm replay, top, record, map.
 */
#ifndef KMM_REPLAY_CMDS_H
#define KMM_REPLAY_CMDS_H

int kmm_replay_main(int argc, char **argv);
int kmm_top_main(int argc, char **argv);
int kmm_record_main(int argc, char **argv);
int kmm_map_main(int argc, char **argv);

struct kmm_machine;
/* Write buddyinfo, pagetypeinfo and slabinfo of m to path (kmm replay --final-state). */
int rp_write_state(const char *path, struct kmm_machine *m);

#endif /* KMM_REPLAY_CMDS_H */
