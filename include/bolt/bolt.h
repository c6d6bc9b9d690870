/* bolt/bolt.h - umbrella header of the Bolt protocol library.
 *
 * The sans-I/O core (no sockets, no clocks): error.h, alloc.h, value.h, packstream.h, chunk.h,
 * handshake.h, message.h, session.h. The transport around it lives in net.h.
 */
#ifndef BOLT_BOLT_H
#define BOLT_BOLT_H

#include "bolt/error.h"
#include "bolt/alloc.h"
#include "bolt/value.h"
#include "bolt/packstream.h"
#include "bolt/chunk.h"
#include "bolt/handshake.h"
#include "bolt/message.h"
#include "bolt/session.h"

#endif
