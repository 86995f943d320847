// SPDX-License-Identifier: GPL-2.0
/*
 * Listening sockets. The listener's sk_data_ready queues the service's
 * accept work, which drains the accept queue without blocking; nothing
 * waits in accept(), so stopping a listener never has to interrupt a
 * sleeping thread.
 */
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/sockptr.h>
#include <linux/tcp.h>
#include <net/sock.h>

#include "ksrv_compat.h"
#include "ksrv_core.h"

/* Accepts per run of the accept work before it yields to other work. */
#define KSRV_ACCEPT_BATCH	64

static void ksrv_listener_sk_data_ready(struct sock *sk)
{
	struct ksrv_service *svc;

	/* Accepted sockets start as clones of the listener, callback
	 * included. TCP may have loaded this callback for such a socket just
	 * before ksrv_conn_attach() made its sk_user_data a connection:
	 * only a listening socket's sk_user_data is a service.
	 */
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return;
	read_lock_bh(&sk->sk_callback_lock);
	svc = (void *)((uintptr_t)rcu_dereference_protected(__sk_user_data(sk),
			lockdep_is_held(&sk->sk_callback_lock)) &
		       SK_USER_DATA_PTRMASK);
	if (svc)
		queue_work(ksrv_wq, &svc->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ksrv_listener_accept_work(struct work_struct *work)
{
	struct ksrv_service *svc = container_of(work, struct ksrv_service,
						accept_work);
	struct socket *sock;
	int i, err;

	for (i = 0; i < KSRV_ACCEPT_BATCH; i++) {
		err = kernel_accept(svc->lsock, &sock, O_NONBLOCK);
		if (err == -EAGAIN)
			return;
		if (err) {
			/* Out of memory or files: the connection stays
			 * queued, and no new callback may come for it.
			 */
			net_dbg_ratelimited("ksrv: %s:%u: accept: %d\n",
					    svc->ops->name, svc->port, err);
			set_bit(KSRV_SERVICE_ACCEPT_RETRY, &svc->flags);
			return;
		}
		ksrv_conn_create(svc, sock);
		cond_resched();
	}
	/* The queue may hold more: come back after others had a turn. */
	queue_work(ksrv_wq, &svc->accept_work);
}

/**
 * ksrv_listener_retry() - accept again after a failed accept
 * @svc: a service whose listener is started
 *
 * Called by the reaper once a second.
 */
void ksrv_listener_retry(struct ksrv_service *svc)
{
	if (test_bit(KSRV_SERVICE_ACCEPT_RETRY, &svc->flags) &&
	    test_and_clear_bit(KSRV_SERVICE_ACCEPT_RETRY, &svc->flags))
		queue_work(ksrv_wq, &svc->accept_work);
}

static int ksrv_listener_socket(struct socket **res)
{
	int err;

	err = sock_create_kern(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
			       res);
	if (err != -EAFNOSUPPORT)
		return err;
	/* Booted with ipv6.disable=1: serve IPv4 only. */
	return sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
				res);
}

static int ksrv_listener_bind(struct socket *sock, unsigned short port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};

	if (sock->sk->sk_family == AF_INET)
		return kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	/* Dual stack whatever net.ipv6.bindv6only says: "localhost" may
	 * resolve to either family.
	 */
	lock_sock(sock->sk);
	sock->sk->sk_ipv6only = false;
	release_sock(sock->sk);
	return kernel_bind(sock, (struct sockaddr *)&sin6, sizeof(sin6));
}

/* Seconds a silent client waits to be accepted, for client_first protocols:
 * TCP turns them into SYN-ACK retransmissions; after the first one (one
 * second) the client's next ACK is accepted even without data.
 */
#define KSRV_DEFER_ACCEPT_SECS	1

static int ksrv_listener_defer_accept(struct socket *sock)
{
	int secs = KSRV_DEFER_ACCEPT_SECS;

	return sock->ops->setsockopt(sock, SOL_TCP, TCP_DEFER_ACCEPT,
				     KERNEL_SOCKPTR(&secs), sizeof(secs));
}

static void ksrv_listener_attach(struct ksrv_service *svc)
{
	struct sock *sk = svc->lsock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	svc->saved_data_ready = sk->sk_data_ready;
	/* NOCOPY: accepted sockets are clones of this one and must not
	 * inherit a pointer to the service.
	 */
	__rcu_assign_sk_user_data_with_flags(sk, svc, SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = ksrv_listener_sk_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
}

/**
 * ksrv_listener_start() - listen on the service's port
 * @svc: the service
 *
 * Return: 0, -EADDRINUSE when the port is taken, or another negative errno.
 */
int ksrv_listener_start(struct ksrv_service *svc)
{
	struct socket *sock;
	int err;

	err = ksrv_listener_socket(&sock);
	if (err)
		return err;
	/* Closed connections must still retransmit their FIN and data. */
	ksrv_compat_hold_net(sock->sk);
	sock_set_reuseaddr(sock->sk);
	tcp_sock_set_nodelay(sock->sk);
	err = ksrv_listener_bind(sock, svc->port);
	if (err)
		goto err_release;
	err = kernel_listen(sock, ksrv_param_backlog);
	if (err)
		goto err_release;
	if (svc->ops->client_first) {
		err = ksrv_listener_defer_accept(sock);
		if (err)
			goto err_release;
	}
	INIT_WORK(&svc->accept_work, ksrv_listener_accept_work);
	svc->lsock = sock;
	ksrv_listener_attach(svc);
	/* Connections may have queued before the callback was installed. */
	queue_work(ksrv_wq, &svc->accept_work);
	return 0;

err_release:
	sock_release(sock);
	return err;
}

/**
 * ksrv_listener_stop() - stop accepting and close the listening socket
 * @svc: a service whose listener was started
 *
 * Connections already accepted are left alone.
 */
void ksrv_listener_stop(struct ksrv_service *svc)
{
	struct sock *sk = svc->lsock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = svc->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	/* No new run can be queued by the callback now; this also waits for
	 * a run that re-queues itself.
	 */
	cancel_work_sync(&svc->accept_work);
	kernel_sock_shutdown(svc->lsock, SHUT_RDWR);
	sock_release(svc->lsock);
	svc->lsock = NULL;
}
