package main

import (
	"os"
	"strconv"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

// defaultProfile is the profile login writes when none is named, and the
// one commands use when no profile is named and no credentials are given
// by flags or exported variables.
const defaultProfile = "default"

// settings are this invocation's environment and credentials, each with
// where it came from (for errors and `bankhub profiles`; never the
// secret's value).
type settings struct {
	Env, EnvFrom       string
	ID, IDFrom         string
	Secret, SecretFrom string
	// Profile is the profile in effect ("" for none), ProfileFrom how it
	// was chosen: --profile, BANKHUB_PROFILE, or the default.
	Profile, ProfileFrom string
}

// settle decides where each setting comes from, by one rule, as gh and the
// AWS CLI do, so that a secret never goes to another environment's host:
//
//  1. A profile named (--profile, or BANKHUB_PROFILE) supplies its
//     environment and its credentials together; flags override single
//     values; exported BANKHUB_* variables never mix into it.
//  2. Otherwise the environment is --env, BANKHUB_ENV or BANKHUB_BASE_URL
//     (sandbox by default), and the credentials are the flags, then
//     BANKHUB_CLIENT_ID and BANKHUB_CLIENT_SECRET.
//  3. With no credentials from either, the default profile (the one
//     `bankhub login` writes without --profile) supplies them with its
//     environment, as in 1: BANKHUB_ENV does not mix into it either.
//  4. For the fake (--env fake or BANKHUB_ENV=fake), its own published
//     credentials are used unless flags give others: exported keys (the
//     sandbox's) would only be refused by it, and a profile's secret never
//     goes to it. A profile saved for the fake keeps its own.
func settle(f globalFlags, getenv func(string) string, profiles func() (map[string]profileEntry, error)) (settings, error) {
	var s settings
	name, nameFrom := f.Profile, "--profile"
	if name == "" {
		name, nameFrom = getenv("BANKHUB_PROFILE"), "BANKHUB_PROFILE"
	}
	fromProfile := func(name, from string) error {
		all, err := profiles()
		if err != nil {
			return err
		}
		p, ok := all[name]
		if !ok {
			return usageErr("no profile %q (from %s) in %s: `bankhub profiles` lists them", name, from, profilePath())
		}
		src := "profile " + strconv.Quote(name)
		s.Profile, s.ProfileFrom = name, from
		s.Env, s.EnvFrom = p.Env, src
		s.ID, s.IDFrom = p.ClientID, src
		s.Secret, s.SecretFrom = p.ClientSecret, src
		return nil
	}
	flagsOver := func() {
		if f.Env != "" {
			s.Env, s.EnvFrom = f.Env, "--env"
		}
		if f.ClientID != "" {
			s.ID, s.IDFrom = f.ClientID, "--client-id"
		}
		if f.ClientSecret != "" {
			s.Secret, s.SecretFrom = f.ClientSecret, "--client-secret"
		}
	}
	switch {
	case name != "": // 1
		if err := fromProfile(name, nameFrom); err != nil {
			return s, err
		}
		flagsOver()
	default: // 2
		s.Env, s.EnvFrom = f.Env, "--env"
		if s.Env == "" {
			s.Env, s.EnvFrom = getenv("BANKHUB_ENV"), "BANKHUB_ENV"
		}
		if s.Env == "" {
			s.Env, s.EnvFrom = getenv("BANKHUB_BASE_URL"), "BANKHUB_BASE_URL"
		}
		if s.Env != "fake" { // exported keys are another environment's, never the fake's
			s.ID, s.IDFrom = getenv("BANKHUB_CLIENT_ID"), "BANKHUB_CLIENT_ID"
			s.Secret, s.SecretFrom = getenv("BANKHUB_CLIENT_SECRET"), "BANKHUB_CLIENT_SECRET"
		}
		flagsOver()
		if s.ID == "" && s.Secret == "" && s.Env != "fake" { // 3
			all, err := profiles()
			if err != nil {
				return s, err
			}
			if _, ok := all[defaultProfile]; ok {
				s = settings{}
				if err := fromProfile(defaultProfile, "the default profile"); err != nil {
					return s, err
				}
				flagsOver()
			}
		}
	}
	if s.Env == "" {
		s.Env, s.EnvFrom = "sandbox", "the default"
	}
	if s.Env == "fake" && f.ClientID == "" && f.ClientSecret == "" && (s.EnvFrom == "--env" || s.Profile == "") { // 4
		s.ID, s.IDFrom = bankhubtest.DefaultClientID, "the fake's own"
		s.Secret, s.SecretFrom = bankhubtest.DefaultClientSecret, "the fake's own"
	}
	return s, nil
}

// osSettings settles the invocation's settings from the process's
// environment and profile file.
func osSettings(f globalFlags) (settings, error) {
	return settle(f, os.Getenv, func() (map[string]profileEntry, error) { return readProfiles(profilePath()) })
}
