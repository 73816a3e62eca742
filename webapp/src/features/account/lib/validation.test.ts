import { describe, expect, it } from 'vitest'
import { accountFieldErrors, validateRegistration, validateSignIn } from './validation'

describe('validateSignIn', () => {
  it('needs an email address and a password', () => {
    expect(validateSignIn({ email: '', password: '' })).toEqual({ email: 'Email is required', password: 'Password is required' })
    expect(validateSignIn({ email: 'asha@', password: 'x' })).toEqual({ email: 'Email must be a valid email address, like name@example.in' })
    expect(validateSignIn({ email: ' asha@example.in ', password: 'x' })).toEqual({})
  })
})

describe('validateRegistration', () => {
  it('asks for length, not composition: 8 characters, counted as a person counts them', () => {
    const base = { name: 'Asha Rao', email: 'asha@example.in' }
    expect(validateRegistration({ ...base, password: 'seven77' })).toEqual({ password: 'Password must be at least 8 characters' })
    expect(validateRegistration({ ...base, password: 'eightchr' })).toEqual({})
    // Eight emoji are 16 UTF-16 units but 8 characters; seven are too few.
    expect(validateRegistration({ ...base, password: '🔑'.repeat(7) })).toHaveProperty('password')
    expect(validateRegistration({ ...base, password: '🔑'.repeat(8) })).toEqual({})
    expect(validateRegistration({ ...base, password: 'a'.repeat(64) })).toEqual({})
  })

  it('needs a name and a valid email', () => {
    expect(validateRegistration({ name: '  ', email: 'nope', password: 'long enough' })).toEqual({
      name: 'Name is required',
      email: 'Email must be a valid email address, like name@example.in',
    })
  })
})

describe('accountFieldErrors', () => {
  it('puts the server’s messages by their fields, labelled, and keeps the rest', () => {
    expect(
      accountFieldErrors({ password: 'must be at least 8 characters', email: 'Email is taken', 'account.name': 'is required', captcha: 'is wrong' }),
    ).toEqual({
      errors: { password: 'Password must be at least 8 characters', email: 'Email is taken', name: 'Name is required' },
      other: ['captcha is wrong'],
    })
  })
})
