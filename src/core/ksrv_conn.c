// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: creation at accept, event dispatch, close and free.
 *
 * Lifetime. A connection is born with the creator's reference and gains
 * the registry's (dropped by ksrv_conn_close()) when it is registered. The
 * handler owns one more while it is scheduled. Socket callbacks find the
 * connection through sk_user_data under sk_callback_lock; close clears
 * sk_user_data under the write side of that lock before it drops the
 * registry reference, so a callback can never see a connection whose last
 * reference is gone. Every put happens in process context (callbacks only
 * ever drop a reference that is not the last), so the final one releases
 * the socket and frees the memory at once; only a connection's own thread
 * hands that to free_work, as it cannot stop itself.
 *
 * Serialisation. All protocol callbacks of a connection run from its
 * handler, never concurrently with each other. In workqueue dispatch the
 * SCHEDULED bit says who runs it: a socket callback that sets it queues
 * the work item, one that finds it set only leaves its event bit, which
 * the running handler sees before it lets go (ksrv_conn_run()). The accept
 * work sets it before a new socket gets its callbacks and runs the first
 * round itself: a client's first request has usually arrived by then,
 * and it is answered without another wake-up. For a protocol with
 * blocking_io it queues that round instead, so that accepting never waits
 * on a file system.
 */
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/wait.h>
#include <net/sock.h>

#include "ksrv_core.h"
#include "ksrv_conn.h"
#include "ksrv_compat.h"

/* Connections allocated and not yet freed, over all services: what
 * max_connections limits and what module exit waits for.
 */
static atomic_t nr_conns = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(nr_conns_wait);

/* Undoes a successful ksrv_conn_admit(). */
static void ksrv_conn_unadmit(struct ksrv_service *svc,
			      struct ksrv_client *client)
{
	if (client)
		ksrv_client_put(client);
	atomic_dec(&svc->nr_conns);
	if (atomic_dec_and_test(&nr_conns))
		wake_up(&nr_conns_wait);
}

static void ksrv_conn_free(struct ksrv_conn *conn)
{
	struct ksrv_service *svc = conn->svc;
	struct ksrv_client *client;

	if (svc->ops->release)
		svc->ops->release(conn);
	sock_release(conn->sock);
	pr_debug("conn %p destroyed\n", conn);
	client = conn->client;
	kmem_cache_free(svc->cache, conn);
	ksrv_conn_unadmit(svc, client);
}

/* Thread dispatch: the thread dropped its reference on its way out;
 * kthread_stop() waits until it has left ksrv's code entirely.
 */
static void ksrv_conn_free_work(struct work_struct *work)
{
	struct ksrv_conn *conn = container_of(work, struct ksrv_conn,
					      free_work);

	kthread_stop(conn->task);
	put_task_struct(conn->task);
	ksrv_conn_free(conn);
}

static void ksrv_conn_release(struct kref *ref)
{
	struct ksrv_conn *conn = container_of(ref, struct ksrv_conn, ref);

	might_sleep();
	if (conn->task)
		queue_work(ksrv_wq, &conn->free_work);
	else
		ksrv_conn_free(conn);
}

void ksrv_conn_put(struct ksrv_conn *conn)
{
	kref_put(&conn->ref, ksrv_conn_release);
}

static void ksrv_conn_touch(struct ksrv_conn *conn)
{
	WRITE_ONCE(conn->last_active, jiffies);
}

/* Schedules the connection's handler; safe from softirq context. */
static void ksrv_conn_kick(struct ksrv_conn *conn, int event)
{
	set_bit(event, &conn->events);
	if (conn->task) {
		wake_up_process(conn->task);
		return;
	}
	/* Fully ordered after the event bit: a handler that is letting go
	 * either sees the bit or sees SCHEDULED clear here and is requeued.
	 */
	if (test_and_set_bit(KSRV_CONN_SCHEDULED, &conn->flags))
		return;
	kref_get(&conn->ref);
	queue_work(ksrv_wq, &conn->work);
}

/* The socket callbacks' look-up, under the read side of sk_callback_lock:
 * close clears sk_user_data under the write side.
 */
static struct ksrv_conn *sk_conn(struct sock *sk)
{
	return rcu_dereference_protected(__sk_user_data(sk),
					 lockdep_is_held(&sk->sk_callback_lock));
}

static void ksrv_conn_sk_data_ready(struct sock *sk)
{
	struct ksrv_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk_conn(sk);
	if (conn)
		ksrv_conn_kick(conn, KSRV_EV_READ);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ksrv_conn_sk_write_space(struct sock *sk)
{
	struct ksrv_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk_conn(sk);
	/* TCP calls this for every ACK that frees space while SOCK_NOSPACE
	 * is set; wake the handler only once there is room worth using.
	 */
	if (conn && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		ksrv_conn_kick(conn, KSRV_EV_WRITE);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * A reset or FIN: let the handler see the error or EOF through recv. The
 * other transitions (FIN-WAIT-1 to FIN-WAIT-2 when our FIN is acknowledged)
 * give the handler nothing to do and would cost a wake-up.
 */
static void ksrv_conn_sk_state_change(struct sock *sk)
{
	struct ksrv_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk_conn(sk);
	if (conn && (READ_ONCE(sk->sk_err) ||
		     (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
		     sk->sk_state == TCP_CLOSE))
		ksrv_conn_kick(conn, KSRV_EV_READ);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ksrv_conn_attach(struct ksrv_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	/* An accepted socket is a clone of the listener and inherits its
	 * sk_data_ready, which is ksrv's; keep the listener's original so
	 * that a closed socket never points back into ksrv.
	 */
	conn->saved_data_ready = conn->svc->saved_data_ready;
	conn->saved_write_space = sk->sk_write_space;
	conn->saved_state_change = sk->sk_state_change;
	rcu_assign_sk_user_data(sk, conn);
	sk->sk_data_ready = ksrv_conn_sk_data_ready;
	sk->sk_write_space = ksrv_conn_sk_write_space;
	sk->sk_state_change = ksrv_conn_sk_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void ksrv_conn_detach(struct ksrv_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = conn->saved_data_ready;
	sk->sk_write_space = conn->saved_write_space;
	sk->sk_state_change = conn->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Reset instead of FIN: queued data is dropped, not sent. For
 * connections that must end now (module exit, time-outs), where a
 * graceful close would leave an orphaned socket trickling megabytes to a
 * client that stopped reading.
 */
static void ksrv_conn_abort(struct ksrv_conn *conn)
{
	if (test_bit(KSRV_CONN_CONNECTED, &conn->flags))
		sock_no_linger(conn->sock->sk);
	ksrv_conn_close(conn);
}

/**
 * ksrv_conn_close() - take a connection out of service
 * @conn: the connection; the caller holds a reference
 *
 * Idempotent and callable from any process context, concurrently with the
 * connection's handler: the handler's own reference keeps the socket and
 * private state alive until it returns, and ops->release runs only after
 * the last reference is gone.
 */
void ksrv_conn_close(struct ksrv_conn *conn)
{
	struct ksrv_service *svc = conn->svc;

	if (!test_and_clear_bit(KSRV_CONN_CONNECTED, &conn->flags))
		return;
	ksrv_conn_detach(conn);
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	spin_lock(&svc->lock);
	list_del_init(&conn->node);
	spin_unlock(&svc->lock);
	ksrv_count(svc, KSRV_C_CLOSED, 1);
	if (conn->task)
		wake_up_process(conn->task);
	pr_debug("conn %p closed\n", conn);
	ksrv_conn_put(conn);
}

static int ksrv_conn_dispatch(struct ksrv_conn *conn)
{
	const struct ksrv_proto_ops *ops = conn->svc->ops;
	int err = 0;

	if (test_and_clear_bit(KSRV_EV_TIMEOUT, &conn->events)) {
		ksrv_count(conn->svc, KSRV_C_TIMED_OUT, 1);
		if (ops->timeout && ops->timeout(conn))
			return KSRV_CLOSE;
		return -ETIMEDOUT;	/* reset, see ksrv_conn_abort() */
	}
	if (test_and_clear_bit(KSRV_EV_WRITE, &conn->events)) {
		if (ops->write_space) {
			err = ops->write_space(conn);
		} else {
			/* data_ready() does the write side too: once is enough. */
			clear_bit(KSRV_EV_READ, &conn->events);
			err = ops->data_ready(conn);
		}
	}
	if (!err && test_and_clear_bit(KSRV_EV_READ, &conn->events))
		err = ops->data_ready(conn);
	return err;
}

static void ksrv_conn_handle(struct ksrv_conn *conn)
{
	int err;

	if (!test_bit(KSRV_CONN_CONNECTED, &conn->flags))
		return;
	err = ksrv_conn_dispatch(conn);
	if (err == -ETIMEDOUT)
		ksrv_conn_abort(conn);
	else if (err)
		ksrv_conn_close(conn);
}

/*
 * One round of the handler, by the owner of SCHEDULED and of the
 * reference that goes with it. Events that came during the round get a
 * new round from the workqueue rather than a loop here, so that one busy
 * connection does not keep a worker from others.
 */
static void ksrv_conn_run(struct ksrv_conn *conn)
{
	ksrv_conn_handle(conn);
	clear_bit(KSRV_CONN_SCHEDULED, &conn->flags);
	smp_mb__after_atomic();	/* pairs with test_and_set_bit() in kick */
	if (!READ_ONCE(conn->events) ||
	    !test_bit(KSRV_CONN_CONNECTED, &conn->flags) ||
	    test_and_set_bit(KSRV_CONN_SCHEDULED, &conn->flags)) {
		ksrv_conn_put(conn);
		return;
	}
	/* The reference passes to the queued round. */
	queue_work(ksrv_wq, &conn->work);
}

static void ksrv_conn_work(struct work_struct *work)
{
	ksrv_conn_run(container_of(work, struct ksrv_conn, work));
}

/* Thread dispatch: the same handler, run by a thread that sleeps between
 * events. The thread holds a reference until the connection is closed.
 */
static int ksrv_conn_thread(void *arg)
{
	struct ksrv_conn *conn = arg;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!test_bit(KSRV_CONN_CONNECTED, &conn->flags))
			break;
		if (!READ_ONCE(conn->events)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		ksrv_conn_handle(conn);
		cond_resched();
	}
	__set_current_state(TASK_RUNNING);
	ksrv_conn_put(conn);
	return 0;
}

static int ksrv_conn_start_thread(struct ksrv_conn *conn)
{
	struct task_struct *task;

	task = kthread_create(ksrv_conn_thread, conn, "ksrv/%s:%u",
			      conn->svc->ops->name, conn->svc->port);
	if (IS_ERR(task))
		return PTR_ERR(task);
	get_task_struct(task);
	kref_get(&conn->ref);
	conn->task = task;
	return 0;
}

static struct ksrv_conn *ksrv_conn_alloc(struct ksrv_service *svc,
					 struct socket *sock)
{
	struct ksrv_conn *conn;

	conn = kmem_cache_zalloc(svc->cache, GFP_KERNEL);
	if (!conn)
		return NULL;
	kref_init(&conn->ref);
	conn->svc = svc;
	conn->sock = sock;
	INIT_LIST_HEAD(&conn->node);
	INIT_WORK(&conn->work, ksrv_conn_work);
	INIT_WORK(&conn->free_work, ksrv_conn_free_work);
	conn->created = jiffies;
	conn->last_active = conn->created;
	conn->snd_una = READ_ONCE(tcp_sk(sock->sk)->snd_una);
	conn->timeout = (unsigned long)ksrv_param_idle_timeout * HZ;
	return conn;
}

static int ksrv_conn_refuse(struct ksrv_service *svc, const char *what,
			    unsigned int limit)
{
	ksrv_count(svc, KSRV_C_REFUSED, 1);
	net_dbg_ratelimited("ksrv: %s:%u: %s limit %u reached\n",
			    svc->ops->name, svc->port, what, limit);
	return -EBUSY;
}

/*
 * Counts a new connection against max_connections, then its service's
 * max_service_connections, then its peer address's max_client_connections
 * (0: no limit), undoing what it counted when one is reached.
 * Return: 0 with *client set (NULL without a per-client limit), -EBUSY
 * when a limit refused it (counted as refused), or -ENOMEM.
 */
static int ksrv_conn_admit(struct ksrv_service *svc, struct sock *sk,
			   struct ksrv_client **client)
{
	unsigned int max = ksrv_param_max_connections;
	unsigned int svc_max = ksrv_param_max_service_connections;
	unsigned int client_max = ksrv_param_max_client_connections;
	int err;

	*client = NULL;
	/* Both counts go up first, so that ksrv_conn_unadmit() undoes either
	 * refusal.
	 */
	atomic_inc(&svc->nr_conns);
	if (atomic_inc_return(&nr_conns) > max) {
		err = ksrv_conn_refuse(svc, "connection", max);
		goto err_unadmit;
	}
	if (svc_max && atomic_read(&svc->nr_conns) > svc_max) {
		err = ksrv_conn_refuse(svc, "service connection", svc_max);
		goto err_unadmit;
	}
	if (!client_max)
		return 0;
	*client = ksrv_client_get(sk, client_max);
	if (IS_ERR(*client)) {
		err = PTR_ERR(*client);
		*client = NULL;
		if (err == -EBUSY)
			ksrv_conn_refuse(svc, "client connection", client_max);
		goto err_unadmit;
	}
	return 0;

err_unadmit:
	ksrv_conn_unadmit(svc, NULL);
	return err;
}

static void ksrv_conn_register(struct ksrv_conn *conn)
{
	struct ksrv_service *svc = conn->svc;

	kref_get(&conn->ref);	/* the registry's, dropped by close */
	set_bit(KSRV_CONN_CONNECTED, &conn->flags);
	spin_lock(&svc->lock);
	list_add_tail(&conn->node, &svc->conns);
	spin_unlock(&svc->lock);
	ksrv_count(svc, KSRV_C_ACCEPTED, 1);
	if (conn->task) {
		ksrv_conn_attach(conn);
		wake_up_process(conn->task);
		/* Data may have arrived before the callbacks were installed. */
		ksrv_conn_kick(conn, KSRV_EV_READ);
		return;
	}
	/* The caller runs (or queues) the first round: callbacks from now
	 * on only set event bits. It looks for data that arrived before they
	 * were installed.
	 */
	kref_get(&conn->ref);
	set_bit(KSRV_CONN_SCHEDULED, &conn->flags);
	set_bit(KSRV_EV_READ, &conn->events);
	ksrv_conn_attach(conn);
}

/**
 * ksrv_conn_create() - take over an accepted socket
 * @svc: the accepting service
 * @sock: the new socket; consumed in every case
 *
 * A connection that cannot be set up (no memory, the protocol's open
 * failed, no thread) is counted as failed and logged, rate-limited; its
 * socket never had ksrv's callbacks installed and is released as it is.
 *
 * Context: process context (the service's accept work).
 * Return: 0, or a negative errno when the connection was refused or failed.
 */
int ksrv_conn_create(struct ksrv_service *svc, struct socket *sock)
{
	struct ksrv_client *client;
	struct ksrv_conn *conn;
	int err;

	err = ksrv_conn_admit(svc, sock->sk, &client);
	if (err)
		goto err_release_sock;
	conn = ksrv_conn_alloc(svc, sock);
	if (!conn) {
		err = -ENOMEM;
		goto err_unadmit;
	}
	conn->client = client;
	tcp_sock_set_nodelay(sock->sk);
	err = svc->ops->open ? svc->ops->open(conn) : 0;
	if (err)
		goto err_free_conn;
	if (ksrv_param_dispatch == KSRV_DISPATCH_THREAD) {
		err = ksrv_conn_start_thread(conn);
		if (err)
			goto err_release_proto;
	}
	pr_debug("conn %p created on %s:%u\n", conn, svc->ops->name, svc->port);
	ksrv_conn_register(conn);
	/* The first round, and its reference, go to the work item when the
	 * protocol's handlers may wait on a file system.
	 */
	if (!conn->task && svc->ops->blocking_io)
		queue_work(ksrv_wq, &conn->work);
	else if (!conn->task)
		ksrv_conn_run(conn);
	ksrv_conn_put(conn);
	return 0;

err_release_proto:
	if (svc->ops->release)
		svc->ops->release(conn);
err_free_conn:
	kmem_cache_free(svc->cache, conn);
err_unadmit:
	ksrv_conn_unadmit(svc, client);
err_release_sock:
	/* A refusal (-EBUSY) is counted as such by ksrv_conn_admit(). */
	if (err != -EBUSY) {
		ksrv_count(svc, KSRV_C_FAILED, 1);
		net_warn_ratelimited("ksrv: %s:%u: connection set-up failed: %d\n",
				     svc->ops->name, svc->port, err);
	}
	sock_release(sock);
	return err;
}

/**
 * ksrv_service_close_conns() - reset every connection of a service
 * @svc: a service whose listener is already stopped
 */
void ksrv_service_close_conns(struct ksrv_service *svc)
{
	struct ksrv_conn *conn;

	for (;;) {
		spin_lock(&svc->lock);
		conn = list_first_entry_or_null(&svc->conns, struct ksrv_conn,
						node);
		if (conn)
			kref_get(&conn->ref);
		spin_unlock(&svc->lock);
		if (!conn)
			break;
		ksrv_conn_abort(conn);
		ksrv_conn_put(conn);
		cond_resched();
	}
}

/* Idle too long, or past a deadline that activity does not extend (a
 * slowloris client trickling bytes keeps a connection active, not alive).
 */
static bool ksrv_conn_expired(struct ksrv_conn *conn, unsigned long now)
{
	unsigned long deadline = READ_ONCE(conn->deadline);
	u32 una;

	/* A handler that is queued or running has not looked at what came
	 * in yet: the wait is ksrv's, not the peer's (a new connection's
	 * first round behind busy workers, a read on a slow file system).
	 * Its time-outs are judged once it has run.
	 */
	if (test_bit(KSRV_CONN_SCHEDULED, &conn->flags))
		return false;
	if (deadline && time_after_eq(now, deadline))
		return true;
	/* A peer that acknowledges our data is reading it, however slowly,
	 * even when the send buffer stays too full for us to add more. The
	 * socket stays valid while the connection is listed; a racy read is
	 * good enough for a liveness hint.
	 */
	una = READ_ONCE(tcp_sk(conn->sock->sk)->snd_una);
	if (una != conn->snd_una) {
		conn->snd_una = una;
		ksrv_conn_touch(conn);
		return false;
	}
	return time_after_eq(now, READ_ONCE(conn->last_active) +
			     READ_ONCE(conn->timeout));
}

/**
 * ksrv_conn_reap() - ask idle connections of a service to time out
 * @svc: the service
 * @now: current jiffies
 *
 * Also retries sends that failed for lack of memory. The close itself
 * happens in the connection's own handler, so that the protocol's timeout
 * callback is serialised with its other callbacks.
 */
void ksrv_conn_reap(struct ksrv_service *svc, unsigned long now)
{
	struct ksrv_conn *conn;

	spin_lock(&svc->lock);
	list_for_each_entry(conn, &svc->conns, node) {
		if (test_bit(KSRV_CONN_SEND_RETRY, &conn->flags) &&
		    test_and_clear_bit(KSRV_CONN_SEND_RETRY, &conn->flags))
			ksrv_conn_kick(conn, KSRV_EV_WRITE);
		if (!ksrv_conn_expired(conn, now))
			continue;
		if (!test_and_set_bit(KSRV_CONN_REAPING, &conn->flags))
			ksrv_conn_kick(conn, KSRV_EV_TIMEOUT);
	}
	spin_unlock(&svc->lock);
}

/* Waits until every connection is freed; the caller then drains ksrv_wq
 * so that no free_work is still executing ksrv code.
 */
void ksrv_conn_exit(void)
{
	while (!wait_event_timeout(nr_conns_wait, !atomic_read(&nr_conns),
				   5 * HZ))
		pr_warn("waiting for %d connections to be freed\n",
			atomic_read(&nr_conns));
}

/* --- the plug-in API --- */

/**
 * ksrv_conn_priv() - the protocol's private state of a connection
 * @conn: the connection
 *
 * Return: ops->priv_size bytes, zeroed when the connection was accepted.
 */
void *ksrv_conn_priv(struct ksrv_conn *conn)
{
	return conn->priv;
}

/**
 * ksrv_conn_socket() - the connection's socket, for zero-copy sending
 * @conn: the connection
 *
 * The socket stays valid until ops->release returns. Do not change its
 * callbacks or sk_user_data.
 *
 * Return: the socket.
 */
struct socket *ksrv_conn_socket(struct ksrv_conn *conn)
{
	return conn->sock;
}

/**
 * ksrv_conn_recv() - read available bytes without blocking
 * @conn: the connection
 * @buf: destination
 * @len: its size
 *
 * Return: bytes read (> 0), 0 when the peer closed its side, -EAGAIN when
 * nothing is available (the protocol's data_ready will be called when
 * there is), or another negative errno on a connection error.
 */
int ksrv_conn_recv(struct ksrv_conn *conn, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	int ret;

	ret = kernel_recvmsg(conn->sock, &msg, &vec, 1, len, MSG_DONTWAIT);
	if (ret > 0) {
		ksrv_count(conn->svc, KSRV_C_BYTES_IN, ret);
		ksrv_conn_touch(conn);
	}
	return ret;
}

static int ksrv_conn_sent(struct ksrv_conn *conn, int ret)
{
	if (ret > 0) {
		ksrv_count(conn->svc, KSRV_C_BYTES_OUT, ret);
		ksrv_conn_touch(conn);
		return ret;
	}
	if (ret && ret != -EAGAIN)
		return ret;
	/* Out of memory rather than out of send buffer: with nothing in
	 * flight no ACK will arrive to call write_space, so the reaper
	 * retries within a second.
	 */
	if (!READ_ONCE(conn->sock->sk->sk_wmem_queued))
		set_bit(KSRV_CONN_SEND_RETRY, &conn->flags);
	return -EAGAIN;
}

/**
 * ksrv_conn_send() - queue bytes for sending without blocking
 * @conn: the connection
 * @buf: data
 * @len: its length
 * @more: more data follows at once (sets MSG_MORE)
 *
 * A short count or -EAGAIN means the send buffer is full: keep the rest
 * and wait for the protocol's write_space callback.
 *
 * Return: bytes queued (> 0), -EAGAIN, or a negative errno.
 */
int ksrv_conn_send(struct ksrv_conn *conn, const void *buf, size_t len,
		   bool more)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0),
	};

	return ksrv_conn_sent(conn, kernel_sendmsg(conn->sock, &msg, &vec, 1,
						   len));
}

/**
 * ksrv_conn_send_pages() - send page fragments without copying them
 * @conn: the connection
 * @bv: the fragments; the caller holds a reference on each page, e.g.
 *	from the page cache
 * @n: number of fragments
 * @len: bytes in all fragments
 * @more: more data follows at once (sets MSG_MORE)
 *
 * The network stack takes its own page references, so the caller may drop
 * its references on return. Page contents must stay what they are until
 * transmitted, as with sendfile().
 *
 * Return: as ksrv_conn_send().
 */
int ksrv_conn_send_pages(struct ksrv_conn *conn, struct bio_vec *bv,
			 unsigned int n, size_t len, bool more)
{
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0);

	return ksrv_conn_sent(conn, ksrv_compat_send_pages(conn->sock, bv, n,
							   len, flags));
}

/**
 * ksrv_conn_requeue() - run data_ready again later
 * @conn: the connection
 *
 * For a protocol that stopped early to let other connections run, with
 * input still unread.
 */
void ksrv_conn_requeue(struct ksrv_conn *conn)
{
	ksrv_conn_kick(conn, KSRV_EV_READ);
}

/**
 * ksrv_conn_requeue_write() - run write_space again later
 * @conn: the connection
 *
 * For a protocol whose write_space stopped early to let other connections
 * run while it still had data to send and room to send it: a reader as
 * fast as the sender may never fill the socket, so "send until -EAGAIN"
 * alone is not a bound.
 */
void ksrv_conn_requeue_write(struct ksrv_conn *conn)
{
	ksrv_conn_kick(conn, KSRV_EV_WRITE);
}

/**
 * ksrv_conn_has_input() - whether received bytes wait to be read
 * @conn: the connection
 *
 * Only a hint: more can arrive at any moment. A protocol about to close
 * uses it to decide whether it must drain input first, because releasing
 * a socket with unread input resets the connection.
 *
 * Return: true if the socket's receive queue is not empty.
 */
bool ksrv_conn_has_input(struct ksrv_conn *conn)
{
	return !skb_queue_empty_lockless(&conn->sock->sk->sk_receive_queue);
}

/**
 * ksrv_conn_set_timeout() - change a connection's idle time-out
 * @conn: the connection
 * @secs: seconds without traffic before it is closed; 0 restores the
 *	idle_timeout parameter
 *
 * The clock restarts now. Used by protocols with phases of their own
 * (HTTP: header time-out, keep-alive time-out).
 */
void ksrv_conn_set_timeout(struct ksrv_conn *conn, unsigned int secs)
{
	if (!secs)
		secs = ksrv_param_idle_timeout;
	WRITE_ONCE(conn->timeout, (unsigned long)secs * HZ);
	ksrv_conn_touch(conn);
}

/**
 * ksrv_conn_set_deadline() - require the current phase to end in time
 * @conn: the connection
 * @secs: seconds from now after which the connection times out whatever
 *	its traffic; 0 removes the deadline
 *
 * Unlike the idle time-out, traffic does not move a deadline. HTTP uses
 * it to bound the time a request head may take to arrive.
 */
void ksrv_conn_set_deadline(struct ksrv_conn *conn, unsigned int secs)
{
	unsigned long d = secs ? jiffies + (unsigned long)secs * HZ : 0;

	/* 0 means "none": a deadline that lands on jiffies 0 moves by one. */
	WRITE_ONCE(conn->deadline, secs && !d ? 1 : d);
}
