package redisstore_test

// The examples run against the Redis at REDIS_ADDR (CI's, or the one
// TestMain starts when redis-server is installed) and a fake Bank Hub. With
// no Redis at all they are skipped (go test cannot skip an example itself,
// so TestMain leaves them out and says so).

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/redis/go-redis/v9"
)

// exampleFake is a fake Bank Hub with credentials of its own, so that the
// token it shares through Redis is nobody else's, and a linked account.
func exampleFake() (fake *bankhubtest.Server, account string) {
	fake, err := bankhubtest.Start(bankhubtest.WithCredentials("example-"+strconv.FormatInt(time.Now().UnixNano(), 36), "example-secret"))
	if err != nil {
		log.Fatal(err)
	}
	account, err = fake.AddBankAccount(fake.AddCompany(bankhubtest.CompanyParams{}), bankhubtest.LinkParams{})
	if err != nil {
		log.Fatal(err)
	}
	return fake, account
}

// Every replica built this way shares one access token: the second finds
// the first's in Redis.
func ExampleNewClient() {
	fake, _ := exampleFake()
	defer fake.Close()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	for range 2 { // two replicas
		client, err := redisstore.NewClient(rdb, fake.ClientID, fake.ClientSecret, bankhub.WithBaseURL(fake.URL))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := client.Companies.List(context.Background(), nil); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("token exchanges:", fake.Count(bankhubtest.OpToken))
	// Output: token exchanges: 1
}

// The same IPN delivered three times (SePay redelivers, to any replica)
// reaches the function once.
func ExampleNewDedupe() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	credited := 0
	handler := bankhub.NewIPNHandler("ipn-key", bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error {
		credited++ // mark the order for n.PaymentCode paid
		return nil
	}), bankhub.WithDedupe(redisstore.NewDedupe(rdb)))

	ipn := &bankhub.IPN{TransactionID: "example-" + strconv.FormatInt(time.Now().UnixNano(), 36), TransferType: bankhub.TransferCredit,
		Amount: 500_000, PaymentCode: "DH123456", Content: "Thanh toan DH123456"}
	for range 3 {
		req, err := bankhub.NewIPNTestRequest("/bankhub/ipn", "ipn-key", ipn)
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ")
	}
	fmt.Println("credited", credited, "time(s)")
	// Output: 200 200 200 credited 1 time(s)
}

// Every replica runs the same code: the IPN handler and the Reconciler share
// one store, and the lock lets one replica at a time reconcile. Here a
// transfer's IPN never arrived: the first replica's pass credits it, and the
// second's is skipped while the first holds the lock (Run renews it between
// passes and releases it on return).
func ExampleNewReconcileLock() {
	fake, account := exampleFake()
	defer fake.Close()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	ctx := context.Background()
	if _, err := fake.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 500_000, Content: "Thanh toan DH123456"}); err != nil {
		log.Fatal(err)
	}
	store := redisstore.NewDedupe(rdb)
	for replica := 1; replica <= 2; replica++ {
		client, err := redisstore.NewClient(rdb, fake.ClientID, fake.ClientSecret, bankhub.WithBaseURL(fake.URL))
		if err != nil {
			log.Fatal(err)
		}
		credit := bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error {
			return nil // mark the order for n.PaymentCode paid
		})
		// In a service: http.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(ipnKey, credit, bankhub.WithDedupe(store)))
		// and go rec.Run(ctx).
		rec := bankhub.NewReconciler(client, credit, bankhub.WithReconcileDedupe(store),
			bankhub.WithReconcileLock(redisstore.NewReconcileLock(rdb, redisstore.WithLockKey("example-lock:"+fake.ClientID))))
		res, err := rec.Once(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if res.Skipped {
			fmt.Printf("replica %d: skipped, another replica holds the lock\n", replica)
			continue
		}
		fmt.Printf("replica %d: credited %d\n", replica, res.Handled)
	}
	// Output:
	// replica 1: credited 1
	// replica 2: skipped, another replica holds the lock
}
