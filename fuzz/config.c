/*
 * Fuzz target: kring.conf (libconfuse plus kring's own checks).  The
 * input is written to a file because config_load reads a path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kring/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/kring-fuzz-config.XXXXXX";
	struct kring_config conf;
	char err[1024];
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size &&
	    config_load(path, &conf, err, sizeof err) == 0)
		config_free(&conf);
	close(fd);
	unlink(path);
	return 0;
}
