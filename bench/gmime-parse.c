/*
 * bench-gmime-parse: parse every message of an mbox with gmime and read
 * its Message-ID and References, nothing else.  This is the ceiling for
 * any importer built on gmime; bench/import compares `kring import`
 * against it.
 *
 *   bench-gmime-parse FILE
 *
 * Prints "N messages, M with a Message-ID, R references".
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include <gmime/gmime.h>

int
main(int argc, char **argv)
{
	GMimeStream *stream;
	GMimeParser *parser;
	unsigned long messages = 0, with_id = 0, refs = 0;
	struct stat sb;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-gmime-parse MBOX\n");
		return EX_USAGE;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0)
		err(EX_NOINPUT, "%s", argv[1]);
	if (fstat(fd, &sb) != 0)
		err(EX_IOERR, "%s", argv[1]);
	if (sb.st_size == 0) {
		close(fd);
		printf("0 messages, 0 with a Message-ID, 0 references\n");
		return 0;
	}
	g_mime_init();
	/* The stream owns FD from here and closes it when it goes. */
	stream = g_mime_stream_mmap_new(fd, PROT_READ, MAP_PRIVATE);
	if (stream == NULL) {
		int e = errno;

		close(fd);
		errno = e;
		err(EX_IOERR, "%s: mmap", argv[1]);
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	if (parser == NULL)
		errx(EX_SOFTWARE, "cannot make a gmime parser");
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);

	while (!g_mime_parser_eos(parser)) {
		GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
		const char *id, *text;

		if (msg == NULL) {
			if (g_mime_parser_eos(parser))
				break;
			errx(EX_DATAERR, "%s: message %lu: gmime cannot parse it",
			    argv[1], messages + 1);
		}
		messages++;
		id = g_mime_message_get_message_id(msg);
		if (id != NULL && *id != '\0')
			with_id++;
		text = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
		if (text != NULL) {
			GMimeReferences *r = g_mime_references_parse(NULL, text);

			if (r != NULL) {
				refs += (unsigned long)g_mime_references_length(r);
				g_mime_references_free(r);
			}
		}
		g_object_unref(msg);
	}
	g_object_unref(parser);
	g_mime_shutdown();
	if (printf("%lu messages, %lu with a Message-ID, %lu references\n",
	    messages, with_id, refs) < 0 || fflush(stdout) != 0)
		err(EX_IOERR, "stdout");
	return 0;
}
