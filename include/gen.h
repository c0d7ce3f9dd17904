/* gen.h: the deterministic synthetic cohort behind `citybench gen` */
#ifndef CB_GEN_H
#define CB_GEN_H

/* The most cities one call generates (each adds about 110 rows, 5 KB, of answers). */
#define GEN_MAX_CITIES 100000u

/*
 * Writes outdir/cities.csv (slug,name,country,region,population,synthetic,lat,lon:
 * a point on land in the region, see land_place, or empty without the outlines)
 * and outdir/answers.csv (city,survey,question,value: the long form of an
 * upload, waves 2018 and 2020) for ncities invented cities. The output
 * depends only on ncities and seed: the same pair gives byte-identical files.
 * outdir is created when missing (its parent must exist).
 *
 * Returns 0, or -1 with *err set (a malloc'd message the caller frees; err may
 * be NULL) when outdir is NULL or cannot be created or written, when ncities
 * exceeds GEN_MAX_CITIES, or when memory runs out. Both files are written
 * under temporary names and renamed into place only once both are complete,
 * so a failure leaves no half-written file (and removes its temporaries).
 */
int gen_write(unsigned ncities, unsigned long seed, const char *outdir, char **err);

#endif
