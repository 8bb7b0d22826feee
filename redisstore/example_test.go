package redisstore_test

import (
	"context"
	"log"
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
		return nil // runs once per transaction across all replicas
	}, bankhub.WithDedupe(redisstore.NewDedupe(rdb)))
	_ = handler
}
