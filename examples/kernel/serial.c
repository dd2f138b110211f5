/* SPDX-License-Identifier: MIT */
/*
 * examples/kernel/serial.c - the kmm kernel's console: COM1 (16550 UART at
 * I/O port 0x3f8), 115200 8N1, polled; kprintf on top of it; and the exit
 * through QEMU's isa-debug-exit device (port 0xf4), which ends the emulator
 * with status (value << 1) | 1, so a test harness reads 1 for success and 3
 * for failure. Without that device the CPU halts.
 *
 * kprintf formats with kmm's own freestanding printf (kmm_vsnprintf is not
 * public, so this file has its own small formatter: %s %c %d %u %x %lx %lu
 * %ld %llx %llu %p and widths with 0 padding are all it needs).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "arch.h"

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* divisor latch */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		cpu_pause();
	outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

static void put_num(char **p, char *end, unsigned long long v, unsigned base, int width,
		    bool zero, bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n < width && *p < end) {
		*(*p)++ = zero ? '0' : ' ';
		width--;
	}
	while (n > 0 && *p < end)
		*(*p)++ = tmp[--n];
}

void kprintf(const char *fmt, ...)
{
	char buf[512], *p = buf, *end = buf + sizeof(buf);
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt && p < end; fmt++) {
		int width = 0, longs = 0;
		bool zero = false;

		if (*fmt != '%') {
			*p++ = *fmt;
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			zero = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s && p < end)
				*p++ = *s++;
			break;
		}
		case 'c':
			*p++ = (char)va_arg(ap, int);
			break;
		case 'd': {
			long long v = longs ? va_arg(ap, long) : va_arg(ap, int);

			put_num(&p, end, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10,
				width, zero, v < 0);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);

			put_num(&p, end, v, *fmt == 'x' ? 16 : 10, width, zero, false);
			break;
		}
		case 'p':
			put_num(&p, end, (unsigned long)va_arg(ap, void *), 16, 16, true, false);
			break;
		case '%':
			*p++ = '%';
			break;
		default:
			*p++ = '?';
			break;
		}
	}
	va_end(ap);
	serial_write(buf, (unsigned long)(p - buf));
}

void kernel_exit(int failed)
{
	outl(0xf4, failed ? 1 : 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}
