/* SPDX-License-Identifier: MIT */
/*
 * lib/format.c - freestanding printf (see format.h).
 *
 * Output goes through a bounded cursor: emit() counts every byte it would
 * write and stores only those that fit, which gives snprintf's return value.
 */
#include "lib/format.h"

struct cursor {
	char *buf;
	size_t size;
	size_t pos;
};

static void emit(struct cursor *c, char ch)
{
	if (c->pos + 1 < c->size)
		c->buf[c->pos] = ch;
	c->pos++;
}

static void emit_pad(struct cursor *c, char ch, int n)
{
	while (n-- > 0)
		emit(c, ch);
}

enum {
	F_LEFT = 1,
	F_ZERO = 2,
	F_ALT = 4,
	F_PLUS = 8,
	F_SPACE = 16,
};

static void emit_number(struct cursor *c, unsigned long long v, bool neg, unsigned int base,
			bool upper, int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, pad;
	char sign = 0;
	const char *prefix = "";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	if (prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	if (neg)
		sign = '-';
	else if (flags & F_PLUS)
		sign = '+';
	else if (flags & F_SPACE)
		sign = ' ';
	if ((flags & F_ALT) && base == 16)
		prefix = upper ? "0X" : "0x";
	else if ((flags & F_ALT) && base == 8)
		prefix = "0";
	len = MAX(n, prec) + (sign ? 1 : 0) + (int)kmm_strlen(prefix);
	pad = width > len ? width - len : 0;
	if (!(flags & F_LEFT) && !((flags & F_ZERO) && prec < 0))
		emit_pad(c, ' ', pad);
	if (sign)
		emit(c, sign);
	for (const char *p = prefix; *p; p++)
		emit(c, *p);
	if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0)
		emit_pad(c, '0', pad);
	emit_pad(c, '0', prec - n);
	while (n > 0)
		emit(c, tmp[--n]);
	if (flags & F_LEFT)
		emit_pad(c, ' ', pad);
}

static void emit_string(struct cursor *c, const char *s, int flags, int width, int prec)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (prec < 0 || len < prec))
		len++;
	if (!(flags & F_LEFT))
		emit_pad(c, ' ', width - len);
	for (int i = 0; i < len; i++)
		emit(c, s[i]);
	if (flags & F_LEFT)
		emit_pad(c, ' ', width - len);
}

int kmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct cursor c = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int flags = 0, width = 0, prec = -1, lng = 0;
		bool neg = false;
		unsigned long long v;

		if (*fmt != '%') {
			emit(&c, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '#')
				flags |= F_ALT;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/ptrdiff/intmax */
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 3;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long s;

			if (lng >= 2)
				s = lng == 3 ? (long long)va_arg(ap, long) : va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			neg = s < 0;
			v = neg ? 0ull - (unsigned long long)s : (unsigned long long)s;
			emit_number(&c, v, neg, 10, false, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				v = lng == 3 ? va_arg(ap, unsigned long)
					     : va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else
				v = va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			emit_number(&c, v, false,
				    *fmt == 'u'	  ? 10
				    : *fmt == 'o' ? 8
						  : 16,
				    *fmt == 'X', flags, width, prec);
			break;
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			emit_number(&c, v, false, 16, false, flags | F_ALT, width, prec);
			break;
		case 'c':
			if (!(flags & F_LEFT))
				emit_pad(&c, ' ', width - 1);
			emit(&c, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				emit_pad(&c, ' ', width - 1);
			break;
		case 's':
			emit_string(&c, va_arg(ap, const char *), flags, width, prec);
			break;
		case '%':
			emit(&c, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			emit(&c, '%');
			emit(&c, *fmt);
			break;
		}
	}
	if (size > 0)
		buf[c.pos < size ? c.pos : size - 1] = '\0';
	return (int)c.pos;
}

int kmm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kmm_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void kmm_set_error(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || len == 0)
		return;
	va_start(ap, fmt);
	kmm_vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

void kmm_out_flush(struct kmm_out *o)
{
	if (o->len > 0 && o->sink)
		o->sink(o->ctx, o->buf, o->len);
	o->len = 0;
}

void kmm_out_write(struct kmm_out *o, const char *text, size_t len)
{
	while (len > 0) {
		size_t room = sizeof(o->buf) - o->len;
		size_t n = len < room ? len : room;

		kmm_memcpy(o->buf + o->len, text, n);
		o->len += n;
		text += n;
		len -= n;
		if (o->len == sizeof(o->buf))
			kmm_out_flush(o);
	}
}

void kmm_out_vprintf(struct kmm_out *o, const char *fmt, va_list ap)
{
	char line[512];
	int n = kmm_vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	kmm_out_write(o, line, (size_t)n);
}

void kmm_out_printf(struct kmm_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kmm_out_vprintf(o, fmt, ap);
	va_end(ap);
}
