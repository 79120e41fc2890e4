/* SPDX-License-Identifier: GPL-2.0 */
/* The one place the release version is written; packaging checks agree. */
#ifndef MAPPER_VERSION_H
#define MAPPER_VERSION_H

#define MAPPER_VERSION "0.2.0"

#endif
