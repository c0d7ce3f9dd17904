/* config.h: the configuration file both programs read (/etc/citybench/citybench.conf): CITYBENCH_*
 * settings as KEY=VALUE lines; an environment variable of the same name always wins. */
#ifndef CB_CONFIG_H
#define CB_CONFIG_H

/* Where `make install` put web/, plugins/ and sql/ ($(PREFIX)/share/citybench); the Makefile sets it. */
#ifndef CB_DATADIR
#define CB_DATADIR "/usr/local/share/citybench"
#endif

#define CONFIG_DEFAULT_PATH "/etc/citybench/citybench.conf"

/* Reads the file at path and sets every setting it holds that the environment does not already have.
 * Lines: blank, a comment (first non-blank character '#'), or KEY=VALUE where KEY is CITYBENCH_[A-Z0-9_]+
 * and VALUE runs to the end of the line, blanks around it removed, one pair of matching quotes ('' or
 * "") removed.  A file that does not exist is an error only when must_exist.  Returns the number of
 * settings the file holds, or -1 with *err (malloc'd: the file, the line and the problem) when the
 * file cannot be read, a line is malformed, a key is not a CITYBENCH_ name or is given twice; then the
 * environment is left unchanged.  Names the file holds that citybench does not know are reported on
 * stderr (a likely typo) but still set. */
int config_load_file(const char *path, int must_exist, char **err);

/* The programs' first call: the file named by CITYBENCH_CONF (which must then exist), else
 * CONFIG_DEFAULT_PATH (absent is fine) unless the program runs from a source tree, where no file is
 * read unless CITYBENCH_CONF names one (a development build must never pick up a production host's
 * settings).  Returns 0, or -1 after printing the problem on stderr. */
int config_load(void);

/* The tree holding web/, plugins/ and sql/: CITYBENCH_ROOT, else the source tree the program runs
 * from, else CB_DATADIR.  A static string. */
const char *config_root(void);

/* 1 when name is a setting citybench reads (CITYBENCH_DB, CITYBENCH_WORKERS, …), else 0. */
int config_known(const char *name);

#endif
