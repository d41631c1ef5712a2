/* cputime TGID: the process's user and system time in microseconds, from taskstats (raw
 * task_cputime, not /proc's clock_t rounded and rescaled figures).
 * cputime -s N: makes N getppid() syscalls and prints its own user and system microseconds: what
 * one user/kernel round trip costs, and how much of it the kernel's accounting calls user.
 * cputime -c SECS COUNT PORT: the floor of a TCP check: for SECS seconds, COUNT checks a second
 * (as delay_loop 1 over COUNT servers) of 127.0.x.y:PORT, each one the syscalls a checker cannot
 * do without (socket, SO_LINGER, connect, epoll_ctl, close; one epoll_wait per wake), nothing
 * else; prints checks, user and system microseconds.
 * cputime -r SECS COUNT PORT: the same with one socket per server for the whole run, reset after
 * each check by connect(AF_UNSPEC) (connect and reset per check; one epoll registration): what
 * keeping checkers' sockets would save. Also prints the checks that saw an error. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
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

static long long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* Server i's address as checkers_vm.sh lays them out: 127.0.1.1 on, 250 a /24. */
static void server(struct sockaddr_in *sa, int i, int port) {
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    sa->sin_addr.s_addr = htonl(0x7f000000u | ((1 + i / 250) << 8) | (1 + i % 250));
}

/* Checks COUNT servers in turn, COUNT a second, for SECS seconds, with only the syscalls a TCP
 * check needs. Without `reuse`, a socket per check: socket, SO_LINGER, connect, epoll_ctl,
 * close. With it, each server's socket kept: connect, then connect(AF_UNSPEC) to reset it (one
 * edge-triggered epoll registration for the socket's life). One loop for both, so that they are
 * paced alike. */
static int floor_checks(long secs, int count, int port, int reuse) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[64];
    struct linger li = {1, 0};
    int *fds = NULL;
    char *busy = NULL;
    if (reuse) {
        struct rlimit rl = {count + 64, count + 64};
        setrlimit(RLIMIT_NOFILE, &rl);
        fds = calloc(count, sizeof *fds);
        busy = calloc(count, 1);
        for (int i = 0; i < count; i++) {
            fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &li, sizeof li);
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.u32 = i};
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
        }
    }
    struct rusage a, b;
    long checks = 0, errs = 0;
    int next = 0;
    long long start = now_us(), end = start + secs * 1000000LL, due = start;
    getrusage(RUSAGE_SELF, &a);
    while (now_us() < end) {
        /* Start every check that is due, then wait for what connected. */
        long long t = now_us();
        while (due <= t) {
            struct sockaddr_in sa;
            server(&sa, next, port);
            int i = next;
            next = (next + 1) % count;
            due += 1000000LL / count;
            if (reuse) {
                if (busy[i])
                    continue;
                if (connect(fds[i], (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
                    errs++;
                    continue;
                }
                busy[i] = 1;
                continue;
            }
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &li, sizeof li);
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
                close(fd);
                continue;
            }
            struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        /* Rounded up: sleeping in whole milliseconds, not spinning to the next check. */
        long long wait = (due - now_us() + 999) / 1000;
        int n = epoll_wait(ep, evs, 64, wait > 0 ? (int)wait : 0);
        for (int k = 0; k < n; k++) {
            if (!reuse) {
                close(evs[k].data.fd);
                checks++;
                continue;
            }
            int i = evs[k].data.u32;
            if (!busy[i])
                continue; /* the reset's own wake-up */
            if (evs[k].events & EPOLLERR)
                errs++;
            struct sockaddr un = {.sa_family = AF_UNSPEC};
            connect(fds[i], &un, sizeof un);
            busy[i] = 0;
            checks++;
        }
    }
    getrusage(RUSAGE_SELF, &b);
    printf("%ld %lld %lld", checks, us(b.ru_utime) - us(a.ru_utime), us(b.ru_stime) - us(a.ru_stime));
    if (reuse)
        printf(" %ld", errs);
    printf("\n");
    return 0;
}

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
    if (argc == 5 && strcmp(argv[1], "-c") == 0)
        return floor_checks(strtol(argv[2], 0, 10), atoi(argv[3]), atoi(argv[4]), 0);
    if (argc == 5 && strcmp(argv[1], "-r") == 0)
        return floor_checks(strtol(argv[2], 0, 10), atoi(argv[3]), atoi(argv[4]), 1);
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
