/* SPDX-License-Identifier: GPL-2.0 */
/* The one place the version is written: make install, make rpm and debian/rules read it. */
#ifndef MAPPER_VERSION_H
#define MAPPER_VERSION_H

#define MAPPER_VERSION "0.4.0"

#endif
