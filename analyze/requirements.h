/* requirements.h: what API Management needs from its network, as the
 * analyzers use it. The rows of apim_requirement (one per docs row) are
 * merged into requirements: one per direction, protocol, port list and
 * remote side, whose level and wording come from the newest docs that list
 * it (after the --platform and --vnet-type filters). A flow matches a
 * requirement by direction, protocol and port, and by its remote address:
 * inside the service tag (high confidence), or by port only where no tag
 * data can say (lower confidence). */
#ifndef NSGFLOW_REQUIREMENTS_H
#define NSGFLOW_REQUIREMENTS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

enum confidence { CONF_NONE, CONF_LOW, CONF_MEDIUM, CONF_HIGH };
const char *confidence_name(int c);

/* What the analyzers know about a remote address. */
/* (Four bytes: analyze holds one per address in the database.) */
struct remote_info {
    uint16_t tags;        /* 1 << tag_bit for each service tag containing it */
    uint8_t is_lb : 1;    /* 168.63.129.16: load balancer, DNS, platform */
    uint8_t is_private : 1;   /* RFC 1918, 100.64/10, IPv6 ULA: likely VirtualNetwork */
    uint8_t is_control_plane : 1; /* in apim_control_plane_ip */
    uint8_t in_apim_subnet : 1;   /* inside an --apim-subnet */
};

/* How a requirement's remote side is recognised. */
enum remote_kind {
    RK_TAG,        /* a service tag with prefix data */
    RK_LB,         /* AzureLoadBalancer */
    RK_VNET,       /* VirtualNetwork */
    RK_INTERNET,   /* Internet */
    RK_DNS,        /* DNS servers */
    RK_NAMED,      /* NTP, FQDN, KMS, Any: named in the docs, not addressable;
                    * also a service tag that the tag data lacks */
};

#define REQ_MAX_RANGES 8

struct requirement {
    int id;                  /* the apim_requirement row that decides */
    int direction;           /* DIRECTION_INBOUND / DIRECTION_OUTBOUND */
    int protocol;            /* 6 or 17 */
    char ports[40];          /* as the docs list them */
    uint16_t first[REQ_MAX_RANGES], last[REQ_MAX_RANGES];
    int nranges;
    char remote[32];         /* Sql, VirtualNetwork, AzureLoadBalancer, FQDN, ... */
    int kind;                /* enum remote_kind */
    int tag_bit;             /* for RK_TAG */
    char level[16];          /* required, optional, recommended, conditional */
    int required;            /* level == required: findings are errors */
    int external_only;       /* only for External mode (public endpoint) */
    int clients;             /* inbound from the Internet, External mode only:
                              * the gateway's and portal's clients (80, 443),
                              * whose denied sources may be scanners */
    char purpose[200];
    char docs[200];          /* "2025-06-17 stv2 required; 2023-08-29 stv1 optional" */
    char fqdns[200];
    char fqdn_tag[32];       /* remote FQDN: the service tag that holds every
                              * one of its host names, as Microsoft's docs
                              * say (table fqdn_service_tag); "" when none */
};

struct requirements {
    struct requirement *v;
    size_t n;
    /* per direction, TCP/UDP and port: the requirements naming the port,
     * as a run of pool[] (start, count) */
    uint32_t (*index)[2][65536];
    uint16_t *pool;
};

/* Loads and merges the requirement rows. platform is NULL, "stv1" or
 * "stv2"; vnet_type is NULL, "external" or "internal". Returns 0, or -1 with
 * the reason in err. Free with requirements_free. */
int requirements_load(sqlite3 *db, const char *platform, const char *vnet_type,
                      struct requirements *out, char *err, size_t errlen);
void requirements_free(struct requirements *r);

/* The requirement a flow matches best (NULL when none), with the
 * confidence of the match in *confidence. */
const struct requirement *requirements_match(const struct requirements *r,
                                             int direction, int protocol,
                                             int port,
                                             const struct remote_info *remote,
                                             int *confidence);

/* 1 when the port list of q contains port. */
int requirement_has_port(const struct requirement *q, int port);

#endif
