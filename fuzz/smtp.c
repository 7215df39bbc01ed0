/*
 * Fuzz target: the SMTP/LMTP command parser and its paths, one command
 * per input line, as session.c hands them over (NUL-terminated, no CRLF,
 * at most 2048 bytes).
 */
#include <stdint.h>
#include <string.h>

#include "kring/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[2049];
	size_t start = 0;

	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len = (nl ? (size_t)(nl - data) : size) - start;
		struct smtp_cmd cmd;
		struct smtp_path path;

		if (len > sizeof line - 1)
			len = sizeof line - 1;
		memcpy(line, data + start, len);
		line[len] = '\0';
		start = nl ? (size_t)(nl - data) + 1 : size;
		if (memchr(line, '\0', len) != NULL)
			continue;	/* session.c refuses NUL in commands */
		smtp_cmd_parse(line, &cmd);
		if (cmd.verb == SMTP_MAIL)
			smtp_path_parse(cmd.arg, "FROM", false, &path);
		else if (cmd.verb == SMTP_RCPT)
			smtp_path_parse(cmd.arg, "TO", true, &path);
		smtp_addr_valid(line);
	}
	return 0;
}
