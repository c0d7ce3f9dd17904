/* test_buf.c: the byte buffer's whole-file reader: contents, length, the size cap, missing files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "t.h"

int
main(void)
{
	char path[] = "/tmp/cb-buf-XXXXXX", *s;
	size_t len = 99;
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, "ab\0cd\n", 6) != 6) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	s = buf_read_file(path, &len, 1024);
	CHECK(s && len == 6 && memcmp(s, "ab\0cd\n", 6) == 0 && s[6] == '\0',
	    "the whole file, NUL bytes included, NUL-terminated");
	free(s);
	s = buf_read_file(path, NULL, 6);
	CHECK(s != NULL, "exactly max bytes is allowed; len may be NULL");
	free(s);
	errno = 0;
	s = buf_read_file(path, &len, 5);
	CHECK(s == NULL && errno == EFBIG, "one byte over max: NULL, EFBIG");
	errno = 0;
	s = buf_read_file("/nonexistent/cb/file", &len, 1024);
	CHECK(s == NULL && errno == ENOENT, "a missing file: NULL, ENOENT");
	if (truncate(path, 0) == 0) {
		s = buf_read_file(path, &len, 1024);
		CHECK(s && len == 0 && s[0] == '\0', "an empty file: an empty string");
		free(s);
	}
	errno = 0;
	s = buf_read_file("/tmp", &len, 1024);
	CHECK(s == NULL && errno != 0, "a directory: NULL with errno set");
	free(s);
	unlink(path);
	return T_DONE();
}
