package redisstore_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/redis/go-redis/v9"
)

func ExampleNewClient() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	client, err := redisstore.NewClient(rdb, os.Getenv("BANKHUB_CLIENT_ID"), os.Getenv("BANKHUB_CLIENT_SECRET"), bankhub.WithSandbox())
	if err != nil {
		log.Fatal(err)
	}
	_ = client // every replica built this way shares one access token
}

func ExampleNewDedupe() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	handler := bankhub.NewIPNHandler(os.Getenv("BANKHUB_IPN_KEY"), func(ctx context.Context, n *bankhub.IPN) error {
		if !n.TransferType.Incoming() {
			return nil // a refund or a fee is not a payment
		}
		return nil // runs once per transaction across all replicas
	}, bankhub.WithDedupe(redisstore.NewDedupe(rdb)))
	_ = handler
}

// Every replica runs the same code: the IPN handler and the reconciler share
// one store, and the lock lets one replica at a time reconcile.
func ExampleNewReconcileLock() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	client, err := redisstore.NewClient(rdb, os.Getenv("BANKHUB_CLIENT_ID"), os.Getenv("BANKHUB_CLIENT_SECRET"), bankhub.WithSandbox())
	if err != nil {
		log.Fatal(err)
	}
	credit := bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error {
		return nil // mark the order for n.PaymentCode paid, idempotently on n.TransactionID
	})
	store := redisstore.NewDedupe(rdb)
	http.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(os.Getenv("BANKHUB_IPN_KEY"), credit, bankhub.WithDedupe(store)))
	rec := bankhub.NewReconciler(client, credit, bankhub.WithReconcileDedupe(store),
		bankhub.WithReconcileLock(redisstore.NewReconcileLock(rdb)))
	go rec.Run(context.Background())
}
