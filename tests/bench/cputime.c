/* cputime TGID: the process's user and system time in microseconds, from taskstats (raw
 * task_cputime, not /proc's clock_t rounded and rescaled figures).
 * cputime -s N: makes N getppid() syscalls and prints its own user and system microseconds: what
 * one user/kernel round trip costs, and how much of it the kernel's accounting calls user. */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[8192];

/* Sends one generic netlink request with a single attribute, returns the reply's length. */
static int ask(int s, int family, int cmd, int type, const void *val, int len) {
    struct nlmsghdr *n = (struct nlmsghdr *)buf;
    struct genlmsghdr *g = NLMSG_DATA(n);
    struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);
    memset(buf, 0, 256);
    a->nla_type = type;
    a->nla_len = NLA_HDRLEN + len;
    memcpy((char *)a + NLA_HDRLEN, val, len);
    n->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
    n->nlmsg_type = family;
    n->nlmsg_flags = NLM_F_REQUEST;
    g->cmd = cmd;
    g->version = 1;
    if (send(s, buf, n->nlmsg_len, 0) < 0)
        return -1;
    int r = recv(s, buf, sizeof buf, 0);
    if (r < (int)NLMSG_LENGTH(GENL_HDRLEN) || n->nlmsg_type == NLMSG_ERROR)
        return -1;
    return r;
}

/* The attribute of `type` among those in [p, end), or NULL. */
static struct nlattr *find(char *p, char *end, int type) {
    while (p + NLA_HDRLEN <= end) {
        struct nlattr *a = (struct nlattr *)p;
        if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
            return NULL;
        if ((a->nla_type & NLA_TYPE_MASK) == type)
            return a;
        p += NLA_ALIGN(a->nla_len);
    }
    return NULL;
}

static long long us(struct timeval t) { return t.tv_sec * 1000000LL + t.tv_usec; }

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "-s") == 0) {
        struct rusage a, b;
        long n = strtol(argv[2], 0, 10);
        getrusage(RUSAGE_SELF, &a);
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        getrusage(RUSAGE_SELF, &b);
        printf("%lld %lld\n", us(b.ru_utime) - us(a.ru_utime), us(b.ru_stime) - us(a.ru_stime));
        return 0;
    }
    if (argc != 2)
        return 2;
    unsigned tgid = strtoul(argv[1], 0, 10);
    int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    int r = ask(s, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME,
                sizeof TASKSTATS_GENL_NAME);
    char *body = buf + NLMSG_LENGTH(GENL_HDRLEN);
    struct nlattr *id = r > 0 ? find(body, buf + r, CTRL_ATTR_FAMILY_ID) : NULL;
    unsigned short family;
    if (!id || id->nla_len < NLA_HDRLEN + sizeof family)
        return 1;
    memcpy(&family, (char *)id + NLA_HDRLEN, sizeof family);
    r = ask(s, family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_TGID, &tgid, sizeof tgid);
    struct nlattr *aggr = r > 0 ? find(body, buf + r, TASKSTATS_TYPE_AGGR_TGID) : NULL;
    struct nlattr *st = aggr ? find((char *)aggr + NLA_HDRLEN, (char *)aggr + aggr->nla_len,
                                    TASKSTATS_TYPE_STATS) : NULL;
    /* Older kernels send a shorter struct (fields are only ever appended); the times are
     * among the first fields. */
    struct taskstats t = {0};
    size_t have = st ? st->nla_len - NLA_HDRLEN : 0;
    if (!st || have < offsetof(struct taskstats, ac_stime) + sizeof t.ac_stime)
        return 1;
    memcpy(&t, (char *)st + NLA_HDRLEN, have < sizeof t ? have : sizeof t);
    printf("%llu %llu\n", (unsigned long long)t.ac_utime, (unsigned long long)t.ac_stime);
    return 0;
}
