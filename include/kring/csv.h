/*
 * csv.h: append CSV fields to a GString, quoted as RFC 4180 has it (for
 * the tools' --csv and kring member export).
 */
#ifndef KRING_CSV_H
#define KRING_CSV_H

#include <glib.h>

/* Append V as one field: as it is, or in double quotes (a quote in it
 * doubled) when it holds a comma, a double quote or a line end. */
void csv_field(GString *out, const char *v);

#endif
